"""Campaign and rule budgets: rows taken from under their row locks, so racing ticks can never overspend.

Rows: (campaign, '') for the campaign-wide budget, (campaign, rule) for a rule's
limits. NULL means unlimited. A take (campaign_budget_takes) takes from both of its
rows or from neither, and the row that ran dry is stamped exhausted with the reason.
"""

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.campaigns.spec import CampaignSpec


def _wanted(spec: CampaignSpec) -> dict[str, tuple[int | None, int | None, int | None]]:
    rows = {"": (spec.budget.points, None if spec.budget.coupon_yuan is None else round(spec.budget.coupon_yuan * 100),
                 None)}
    for rule in spec.all_rules():
        lim = rule.limits
        budget_fen = None if lim.budget_yuan is None else round(lim.budget_yuan * 100)
        rows[rule.id] = (lim.budget_points, budget_fen, lim.stock)
    return rows


def sync_budgets(conn: Connection, campaign_id: str, spec: CampaignSpec) -> None:
    """Create or resize budgets from the spec; what was already spent stays spent."""
    for rule_id, (points, fen, stock) in _wanted(spec).items():
        spent = conn.execute(text(
            "SELECT coalesce(sum(points) FILTER (WHERE reward_kind = 'points'), 0), "
            "       coalesce(sum(value_fen) FILTER (WHERE reward_kind = 'coupon'), 0), count(*) "
            "FROM campaign_grant WHERE campaign_id = :c AND (:r = '' OR rule_id = :r) "
            "AND status IN ('granted', 'held')"),
            {"c": campaign_id, "r": rule_id}).one()
        left = [None if cap is None else max(0, cap - used) for cap, used in zip((points, fen, stock), spent)]
        conn.execute(text(
            "INSERT INTO campaign_budget (campaign_id, rule_id, points_remaining, fen_remaining, stock_remaining) "
            "VALUES (:c, :r, :p, :f, :s) ON CONFLICT (campaign_id, rule_id) DO UPDATE SET "
            "points_remaining = :p, fen_remaining = :f, stock_remaining = :s, exhausted_at = NULL, "
            "exhausted_reason = NULL"), {"c": campaign_id, "r": rule_id, "p": left[0], "f": left[1], "s": left[2]})


# A budget row's columns, as a reason names them (the dry run's refusals name them alike).
KINDS = ("points", "coupon value", "stock")


def exhausted_reason(short: str, kind: str) -> str:
    """Why the row `short` ('' for the campaign) refused a take: the first of its KINDS that fell short."""
    return f"{kind} budget exhausted" + (f" (rule {short})" if short else "")


_CAMPAIGN_SHORT = {"points": "points budget exhausted", "coupon": "coupon value budget exhausted"}


def stops(exhausted: dict[str, str], rule_id: str, reward_kind: str) -> bool:
    """Does a spent budget stop this rule: its own, or the campaign's for the rule's kind of reward?
    (A campaign out of points still hands out coupons while coupon value is left, and the reverse.)"""
    return rule_id in exhausted or _CAMPAIGN_SHORT[reward_kind] in exhausted.get("", "")


def give_back(conn: Connection, campaign_id: str, rule_id: str, *, points: int = 0, fen: int = 0,
              stock: int = 0) -> None:
    conn.execute(text("UPDATE campaign_budget SET points_remaining = points_remaining + :p, "
                      "fen_remaining = fen_remaining + :f, stock_remaining = stock_remaining + :s "
                      "WHERE campaign_id = :c AND rule_id IN (:r, '')"),
                 {"c": campaign_id, "r": rule_id, "p": points, "f": fen, "s": stock})


def mark_exhausted(conn: Connection, campaign_id: str, rule_id: str, reason: str) -> None:
    """Stamp the first exhaustion's time; each new reason is added (the campaign's points, then its
    coupon value)."""
    conn.execute(text("UPDATE campaign_budget SET exhausted_at = coalesce(exhausted_at, now()), "
                      "exhausted_reason = CASE WHEN exhausted_reason IS NULL THEN :why "
                      "WHEN strpos(exhausted_reason, :why) > 0 THEN exhausted_reason "
                      "ELSE exhausted_reason || '; ' || :why END WHERE campaign_id = :c AND rule_id = :r"),
                 {"c": campaign_id, "r": rule_id, "why": reason})


def exhausted_rules(conn: Connection, campaign_id: str) -> dict[str, str]:
    rows = conn.execute(text("SELECT rule_id, exhausted_reason FROM campaign_budget "
                             "WHERE campaign_id = :c AND exhausted_at IS NOT NULL"), {"c": campaign_id}).all()
    return {r: why for r, why in rows}


@dataclass(frozen=True)
class BudgetFlags:
    exhausted: dict[str, str]  # rule ('' for the campaign) -> why, as exhausted_rules
    unlimited_points: set[str]  # rules whose points no budget limits (neither the rule's nor the campaign's)


# The campaign's budget rows as JSON, for a caller reading them within a statement of its own (budget_flags).
FLAGS_JSON = ("(SELECT coalesce(json_agg(json_build_array(b.rule_id, b.exhausted_reason, b.exhausted_at IS NOT NULL, "
              "b.points_remaining IS NULL AND b.stock_remaining IS NULL)), '[]') FROM campaign_budget b "
              "WHERE b.campaign_id = {campaign})")


def budget_flags(rows: list) -> BudgetFlags:
    """What a tick needs of the budgets before taking from them, from FLAGS_JSON's rows."""
    free = {rule: unlimited for rule, _, _, unlimited in rows}
    unlimited = {r for r, no_budget in free.items() if no_budget and r} if free.get("") else set()
    return BudgetFlags(exhausted={rule: why for rule, why, exhausted, _ in rows if exhausted},
                       unlimited_points=unlimited)
