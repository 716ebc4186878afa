"""What a campaign would grant over recorded events: counts per rule, distinct members, cost, and
when each budget would run out. Frequency caps, risk and coupon stock outside the spec are not
simulated (they depend on live state); the report says so."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from domain.campaigns.evaluator import Ev, Evaluator
from domain.campaigns.spec import CampaignSpec


@dataclass
class DryRunReport:
    events: int = 0
    grants_by_rule: Counter = field(default_factory=Counter)
    members_by_rule: dict[str, set] = field(default_factory=dict)
    points: int = 0
    coupons: Counter = field(default_factory=Counter)  # template -> count
    runs_out: dict[str, str] = field(default_factory=dict)  # budget -> when (ISO time)
    refused_by_budget: Counter = field(default_factory=Counter)


def dry_run(spec: CampaignSpec, events: list[Ev], *, gap_s: float, seen_before: set[str]) -> DryRunReport:
    report = DryRunReport(events=len(events))
    ev = Evaluator(spec, {}, gap_s=gap_s, seen_before=seen_before)
    matches = ev.run(events)
    at = {e.id: e.at for e in events}
    rules = {r.id: r for r in spec.all_rules()}
    left_points = {r.id: r.limits.budget_points for r in rules.values()} | {"": spec.budget.points}
    left_stock = {r.id: r.limits.stock for r in rules.values()}
    for m in matches:
        reward = rules[m.rule_id].reward
        when = datetime.fromtimestamp(at[m.event_row_id], tz=timezone.utc).isoformat()
        if reward.points:
            short = [k for k in (m.rule_id, "") if left_points[k] is not None and left_points[k] < reward.points]
            if short or (left_stock[m.rule_id] is not None and left_stock[m.rule_id] < 1):
                for k in short or [m.rule_id]:
                    report.runs_out.setdefault(k or "campaign", when)
                report.refused_by_budget[m.rule_id] += 1
                continue
            for k in (m.rule_id, ""):
                if left_points[k] is not None:
                    left_points[k] -= reward.points
            report.points += reward.points
        elif reward.coupon_template:
            if left_stock[m.rule_id] is not None and left_stock[m.rule_id] < 1:
                report.runs_out.setdefault(m.rule_id, when)
                report.refused_by_budget[m.rule_id] += 1
                continue
            report.coupons[reward.coupon_template] += 1
        if left_stock[m.rule_id] is not None:
            left_stock[m.rule_id] -= 1
        report.grants_by_rule[m.rule_id] += 1
        report.members_by_rule.setdefault(m.rule_id, set()).add(m.member_id)
    return report
