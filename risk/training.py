"""Train and evaluate a risk model on an event log with a time-based hold-out (no I/O here).

The same `compute` the scorer uses builds the features: every event is a query point scored as of
itself. With enough labels of both kinds it trains the calibrated classifier, otherwise the
anomaly model (cold start).
"""

from dataclasses import dataclass

import numpy as np

from domain.risk.features import EventLog, FeatureSpec, compute
from risk.metrics import evaluate, time_split
from risk.model import RiskModel

MIN_LABELS = 5  # of each class in the training part, for a supervised model


def event_labels(log: EventLog, labels: dict[tuple[str, str], str]) -> np.ndarray:
    """Per event: 1 when its member, device or IP is labelled fraud, else 0 (genuine or unknown)."""
    y = np.zeros(len(log), dtype=int)
    for role, kind in (("member", "member"), ("device", "device"), ("ip", "ip")):
        bad = {entity for (k, entity), label in labels.items() if k == kind and label == "fraud"}
        if bad and role in log.keys:
            y |= np.isin(log.keys[role].astype(str), list(bad)).astype(int)
    return y


RING_MAX_ACCOUNTS = 20  # an IP with more accounts than this is likely carrier NAT, not a ring


def ring_members(log: EventLog, labels: dict[tuple[str, str], str],
                 max_accounts: int = RING_MAX_ACCOUNTS) -> dict[str, str]:
    """Accounts of the same ring as a confirmed fraud account: member -> the shared entity
    ("device:ID" or "ip:ADDR") it was seen on in the log. One hop from confirmed labels (a review
    rejection, a chargeback), never from ring labels themselves, so a ring does not grow by chains.
    A device counts when it is labelled fraud or a fraud account used it; an IP when a fraud account
    used it and it had at most `max_accounts` accounts in the log (more looks like carrier NAT). A
    device or IP that an account labelled genuine also used is skipped (a reviewer vouched for
    someone there), and accounts labelled genuine never inherit the label."""
    fraud = {(k, e) for (k, e), label in labels.items() if label == "fraud"}
    genuine = {e for (k, e), label in labels.items() if k == "member" and label == "genuine"}
    member = log.column("member").astype(str)
    out: dict[str, str] = {}
    for role in ("device", "ip"):
        users: dict[str, set[str]] = {}
        for entity, m in set(zip(log.column(role).astype(str), member)):
            if entity and m:
                users.setdefault(entity, set()).add(m)
        for entity, accounts in sorted(users.items()):
            confirmed = {m for m in accounts if ("member", m) in fraud}
            if not (confirmed or (role, entity) in fraud) or accounts & genuine:
                continue
            if role == "ip" and len(accounts) > max_accounts:
                continue
            for m in sorted(accounts - confirmed):
                out.setdefault(m, f"{role}:{entity}")
    return out


@dataclass
class Trained:
    model: RiskModel
    metrics: dict
    serving_metrics: dict | None


def context_matrix(log: EventLog, spec: FeatureSpec) -> np.ndarray | None:
    return np.column_stack([log.context[c] for c in spec.context]) if spec.context else None


def train_and_evaluate(log: EventLog, y: np.ndarray, spec: FeatureSpec, hold_above: float, deny_above: float,
                       serving: RiskModel | None = None, kind: str | None = None, seed: int = 0,
                       thorough: bool = False) -> Trained:
    x = compute(log, log, spec)
    ctx = context_matrix(log, spec)
    train, test = time_split(log.t_ms)
    counts = np.bincount(y[train], minlength=2)
    kind = kind or ("classifier" if counts.min() >= MIN_LABELS else "anomaly")
    model = RiskModel(kind, spec).fit(x[train], None if ctx is None else ctx[train],
                                      y[train] if kind == "classifier" else None, seed=seed, thorough=thorough)
    metrics = evaluate(y[test], model.score(x[test], None if ctx is None else ctx[test]), hold_above, deny_above)
    metrics["kind"] = kind
    serving_metrics = None
    if serving is not None:
        sx = x if serving.spec == spec else compute(log, log, serving.spec)
        sctx = context_matrix(log, serving.spec)
        serving_metrics = evaluate(y[test], serving.score(sx[test], None if sctx is None else sctx[test]),
                                   hold_above, deny_above)
    return Trained(model, metrics, serving_metrics)
