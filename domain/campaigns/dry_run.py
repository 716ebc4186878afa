"""What a campaign would grant over recorded events: counts per rule, distinct members, points and
coupon value, and when each budget would run out.

Checks run in the live tick's order: frequency cap (coupons) -> budget -> the reward itself
(coupon template stock, per-member limit and face-value budget, starting from the templates'
state now). Risk decisions are not simulated: they depend on the live history of devices and IPs.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone

from domain.campaigns.dry_limits import Budgets, CouponTemplateState, FrequencyCap, Refusal
from domain.campaigns.evaluator import Ev, Evaluator
from domain.campaigns.spec import CampaignSpec

__all__ = ["CouponTemplateState", "DryRunReport", "FrequencyCap", "dry_run"]


@dataclass
class DryRunReport:
    events: int = 0
    grants_by_rule: Counter = field(default_factory=Counter)
    members_by_rule: dict[str, set] = field(default_factory=dict)
    points: int = 0
    coupons: Counter = field(default_factory=Counter)  # template -> count
    coupon_fen: int = 0
    runs_out: dict[str, str] = field(default_factory=dict)  # budget -> when (ISO time)
    refused: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # rule -> reason -> n


def dry_run(spec: CampaignSpec, events: list[Ev], *, gap_s: float, seen_before: set[str],
            templates: dict[str, CouponTemplateState], cap: FrequencyCap) -> DryRunReport:
    report = DryRunReport(events=len(events))
    at = {e.id: e.at for e in events}
    rules = {r.id: r for r in spec.all_rules()}
    budgets = Budgets.from_spec(spec)
    for m in Evaluator(spec, {}, gap_s=gap_s, seen_before=seen_before).run(events):
        reward, when = rules[m.rule_id].reward, at[m.event_row_id]
        refusal = None
        if reward.points:
            refusal = budgets.take(m.rule_id, points=reward.points)
        elif reward.coupon_template:
            template = templates.get(reward.coupon_template)
            refusal = (cap.refuses(m.member_id, when)
                       or (Refusal("coupon not issued: unknown template") if template is None
                           else template.refuses(m.member_id))
                       or budgets.take(m.rule_id, fen=template.face_fen))
            if refusal is None:
                template.issue(m.member_id)
                cap.count_push(m.member_id, when)
                report.coupons[reward.coupon_template] += 1
                report.coupon_fen += template.face_fen
        if refusal is not None:
            report.refused[m.rule_id][refusal.reason] += 1
            if refusal.budget:
                report.runs_out.setdefault(refusal.budget, _iso(when))
            continue
        report.points += reward.points or 0
        report.grants_by_rule[m.rule_id] += 1
        report.members_by_rule.setdefault(m.rule_id, set()).add(m.member_id)
    return report


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat()
