"""What a campaign would grant over recorded events: counts per rule, distinct members, points and
coupon value, and when each budget would run out.

Checks run in the live tick's order: frequency cap (coupons) -> budget -> the reward itself
(coupon template stock, per-member limit and face-value budget, starting from the templates'
state now). Risk decisions are not simulated: they depend on the live history of devices and IPs.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

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
    order_bonus: Counter = field(default_factory=Counter)  # multiplier rule -> bonus points (an estimate)
    refused: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # rule -> reason -> n


def dry_run(spec: CampaignSpec, events: list[Ev], *, gap_s: float, seen_before: set[str],
            templates: dict[str, CouponTemplateState], cap: FrequencyCap,
            points_per_yuan: Decimal = Decimal(1)) -> DryRunReport:
    report = DryRunReport(events=len(events), order_bonus=order_bonus(spec, events, points_per_yuan=points_per_yuan))
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


def order_bonus(spec: CampaignSpec, events: list[Ev], *, points_per_yuan: Decimal) -> Counter:
    """Bonus points the order multipliers would add, per rule: each paid order's amount_fen at the base
    rate times (multiplier - 1), under the highest multiplier in force when it was paid (as settlement
    takes it). An estimate: settlement's SKU and category rates and its per-order cap are not known here."""
    bonus: Counter = Counter()
    for e in events:
        amount = e.payload.get("amount_fen") if e.type == "order_paid" else None
        if type(amount) is not int:
            continue
        paid_at = datetime.fromtimestamp(e.at, tz=timezone.utc)
        rules = [r for r in spec.active_rules(paid_at) if r.reward.multiplier]
        if rules:
            best = max(rules, key=lambda r: r.reward.multiplier)
            bonus[best.id] += int(Decimal(amount) / 100 * points_per_yuan * Decimal(str(best.reward.multiplier - 1)))
    return bonus


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat()
