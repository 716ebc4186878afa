"""The hard rule layer: velocity limits on the same features the model sees, then thresholds.

Rules are for what is certain enough to act without a model; each hit is a reason in words.
"""

from dataclasses import dataclass

import numpy as np

from domain.risk.words import describe
from models.risk_base import Decision

SEVERITY = {Decision.ALLOW: 0, Decision.HOLD: 1, Decision.DENY: 2}
BY_SEVERITY = {severity: decision for decision, severity in SEVERITY.items()}


@dataclass(frozen=True)
class VelocityRule:
    feature: str
    limit: float  # acts when the value is >= limit (or, with below, between 0 and limit)
    decision: Decision
    below: bool = False


def default_rules(accounts_per_device_hold: int = 4, accounts_per_device_deny: int = 10,
                  accounts_per_ip_hold: int = 0, accounts_per_network_hold: int = 0,
                  churn_per_member_hold: int = 12, comments_per_member_hold: int = 30,
                  rooms_per_member_hold: int = 3, scripted_regularity: float = 0.1,
                  ips_per_member_hold: int = 5, no_player_member_hold: int = 30,
                  no_player_network_hold: int = 30) -> list[VelocityRule]:
    return [VelocityRule("device_accounts_1h", accounts_per_device_hold, Decision.HOLD),
            VelocityRule("device_accounts_1h", accounts_per_device_deny, Decision.DENY),
            VelocityRule("ip_accounts_1h", accounts_per_ip_hold, Decision.HOLD),
            VelocityRule("network_accounts_1h", accounts_per_network_hold, Decision.HOLD),
            VelocityRule("member_churn_1h", churn_per_member_hold, Decision.HOLD),
            VelocityRule("member_comments_1h", comments_per_member_hold, Decision.HOLD),
            VelocityRule("member_rooms_1h", rooms_per_member_hold, Decision.HOLD),
            VelocityRule("member_regularity", scripted_regularity, Decision.HOLD, below=True),
            VelocityRule("member_ips_1h", ips_per_member_hold, Decision.HOLD),
            VelocityRule("member_events_no_player_1h", no_player_member_hold, Decision.HOLD),
            VelocityRule("network_events_no_player_1h", no_player_network_hold, Decision.HOLD)]


def apply_rules(rules: list[VelocityRule], names: list[str], x: np.ndarray) -> list[tuple[Decision, list[str]]]:
    """Per row: the strictest rule decision and the reasons."""
    out = [(Decision.ALLOW, []) for _ in range(len(x))]
    where = {n: i for i, n in enumerate(names)}
    for rule in rules:
        if rule.feature not in where or rule.limit <= 0 and not rule.below:
            continue  # a limit of 0 switches a rule off
        column = x[:, where[rule.feature]]
        hits = (column >= 0) & (column <= rule.limit) if rule.below else column >= rule.limit
        for i in np.flatnonzero(hits):
            decision, reasons = out[i]
            text = f"{describe(rule.feature, column[i])} ({'at most' if rule.below else 'limit'} {rule.limit:g})"
            if text.split(" (limit")[0] not in " ".join(reasons):
                reasons.append(text)
            if SEVERITY[rule.decision] > SEVERITY[decision]:
                decision = rule.decision
            out[i] = (decision, reasons)
    return out


def threshold_severity(scores: np.ndarray, hold_above, deny_above) -> np.ndarray:
    """The SEVERITY of each score's decision by the thresholds (scalars, or one per score)."""
    return np.where(scores >= deny_above, SEVERITY[Decision.DENY],
                    np.where(scores >= hold_above, SEVERITY[Decision.HOLD], SEVERITY[Decision.ALLOW]))


def by_threshold(score: float, hold_above: float, deny_above: float) -> Decision:
    return BY_SEVERITY[int(threshold_severity(np.float64(score), hold_above, deny_above))]
