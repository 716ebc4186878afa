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
from reports.queries.common import RULE_OF_ENTRY, params

# One pass over the period's postings, grouped finely; Python folds the groups into every view.
BY_DAY_SOURCE = f"""
    SELECT (e.created_at AT TIME ZONE :tz)::date AS day,
           coalesce({RULE_OF_ENTRY}, CASE WHEN e.kind IN ('earn_pending', 'confirm') THEN 'orders'
                                            ELSE e.kind END) AS rule,
           coalesce(e.detail->>'trigger', t.trigger, CASE WHEN e.kind IN ('earn_pending', 'confirm')
                                                          THEN 'order_paid' ELSE e.kind END) AS trigger,
           sum(-p.amount) FILTER (WHERE p.bucket = '{SYSTEM_ISSUED}' AND p.member_id IS NULL) AS issued,
           sum(p.amount) FILTER (WHERE p.bucket = 'spent' AND p.member_id IS NOT NULL) AS consumed,
           sum(p.amount) FILTER (WHERE p.bucket = 'expired' AND p.member_id IS NOT NULL) AS expired,
           sum(p.amount) FILTER (WHERE p.bucket = 'reversed' AND p.member_id IS NOT NULL) AS reversed
    FROM journal_entry e JOIN posting p ON p.entry_id = e.id
         LEFT JOIN rpt_rule_trigger t ON t.rule_id = {RULE_OF_ENTRY}
    WHERE e.created_at >= :start AND e.created_at < :end
    GROUP BY 1, 2, 3"""

OUTSTANDING = """
    SELECT (SELECT coalesce(sum(pending + available), 0) FROM member_balance)
         - (SELECT coalesce(sum(p.amount), 0) FROM journal_entry e JOIN posting p ON p.entry_id = e.id
            WHERE e.created_at >= :end AND p.member_id IS NOT NULL AND p.bucket IN ('pending', 'available'))"""


def points_section(conn: Connection, p: Period) -> dict:
    rows = conn.execute(text(BY_DAY_SOURCE), params(p)).mappings().all()
    totals = {k: sum(r[k] or 0 for r in rows) for k in ("issued", "consumed", "expired", "reversed")}
    by_day = {d: {"issued": 0, "consumed": 0, "expired": 0} for d in p.day_list()}
    by_rule: dict[tuple[str, str], dict] = {}
    for r in rows:
        day = by_day.setdefault(r["day"], {"issued": 0, "consumed": 0, "expired": 0})
        for k in day:
            day[k] += r[k] or 0
        if r["issued"]:
            g = by_rule.setdefault((r["rule"], r["trigger"]), {"issued": 0})
            g["issued"] += r["issued"]
    outstanding = conn.execute(text(OUTSTANDING), params(p)).scalar_one()
    issued = totals["issued"]
    return {
        **totals,
        "outstanding": int(outstanding),
        "consumption_rate": (totals["consumed"] / issued) if issued else None,
        "by_rule": sorted(({"rule": k[0], "trigger": k[1], **v} for k, v in by_rule.items()),
                          key=lambda g: -g["issued"]),
        "by_day": [{"day": d, "label": d.strftime("%a %m/%d"), **v} for d, v in sorted(by_day.items())],
    }
