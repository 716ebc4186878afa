"""Points section: straight from ledger postings, so the figures reconcile with the ledger by construction.

issued      = points created (postings out of system:issued) by entries in the period
consumed    = points into the spent bucket (exchanges for coupons, draws, gifts, goods)
expired     = points into the expired bucket
reversed    = points into the reversed bucket (refunds, cancellations)
outstanding = pending + available at the end of the period = member_balance now minus what moved since
"""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.report_period import Period
from models.ledger import SYSTEM_ISSUED
from reports.queries.common import params

# One parallel-friendly pass over the period's postings (no temp tables inside, so workers can help),
# grouped finely; Python folds the groups into every view and names each rule's trigger.
BY_DAY_SOURCE = f"""
    SELECT (e.created_at AT TIME ZONE :tz)::date AS day, e.kind,
           coalesce(e.detail->>'rule_id', e.detail->>'rule') AS rule, e.detail->>'trigger' AS trigger,
           sum(-p.amount) FILTER (WHERE p.bucket = '{SYSTEM_ISSUED}' AND p.member_id IS NULL) AS issued,
           sum(p.amount) FILTER (WHERE p.bucket = 'spent' AND p.member_id IS NOT NULL) AS consumed,
           sum(p.amount) FILTER (WHERE p.bucket = 'expired' AND p.member_id IS NOT NULL) AS expired,
           sum(p.amount) FILTER (WHERE p.bucket = 'reversed' AND p.member_id IS NOT NULL) AS reversed,
           sum(p.amount) FILTER (WHERE p.bucket IN ('pending', 'available') AND p.member_id IS NOT NULL) AS net_open
    FROM journal_entry e JOIN posting p ON p.entry_id = e.id
    WHERE e.created_at >= :start AND e.created_at < :end
      AND e.kind <> 'confirm'  -- pending -> available: changes none of these figures, and is a third of the ledger
    GROUP BY 1, 2, 3, 4"""

OUTSTANDING = """
    SELECT (SELECT coalesce(sum(pending + available), 0) FROM member_balance)
         - (SELECT coalesce(sum(p.amount), 0) FROM journal_entry e JOIN posting p ON p.entry_id = e.id
            WHERE e.created_at >= :end AND p.member_id IS NOT NULL AND p.bucket IN ('pending', 'available'))"""

ORDER_ENTRY_KINDS = ("earn_pending", "confirm")


def _source(r, triggers: dict[str, str]) -> tuple[str, str]:
    if r["rule"]:
        return r["rule"], r["trigger"] or triggers.get(r["rule"]) or r["kind"]
    if r["kind"] in ORDER_ENTRY_KINDS:
        return "orders", "order_paid"
    return r["kind"], r["trigger"] or r["kind"]


def points_section(conn: Connection, p: Period, *, outstanding: int | None = None) -> dict:
    """`outstanding` may be given when already known (the previous period's, derived from the current one)."""
    rows = conn.execute(text(BY_DAY_SOURCE), params(p)).mappings().all()
    triggers = dict(conn.execute(text("SELECT rule_id, trigger FROM rpt_rule_trigger")).all())
    totals = {k: int(sum(r[k] or 0 for r in rows)) for k in ("issued", "consumed", "expired", "reversed", "net_open")}
    by_day = {d: {"issued": 0, "consumed": 0, "expired": 0} for d in p.day_list()}
    by_rule: dict[tuple[str, str], int] = {}
    for r in rows:
        day = by_day.setdefault(r["day"], {"issued": 0, "consumed": 0, "expired": 0})
        for k in day:
            day[k] += int(r[k] or 0)
        if r["issued"]:
            key = _source(r, triggers)
            by_rule[key] = by_rule.get(key, 0) + int(r["issued"])
    if outstanding is None:
        outstanding = int(conn.execute(text(OUTSTANDING), params(p)).scalar_one())
    issued = totals["issued"]
    return {
        **totals,
        "outstanding": outstanding,
        "consumption_rate": (totals["consumed"] / issued) if issued else None,
        "by_rule": sorted(({"rule": k[0], "trigger": k[1], "issued": v} for k, v in by_rule.items()),
                          key=lambda g: -g["issued"]),
        "by_day": [{"day": d, "label": d.strftime("%a %m/%d"), **v} for d, v in sorted(by_day.items())],
    }
