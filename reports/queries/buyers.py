"""Buyers section: members who took part in points or coupon activities against those who did not, and new
against returning buyers. Uses the period's temp tables (rpt_viewers, rpt_buyers) from common.prepare."""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.report_period import Period
from reports.queries.common import ORDER_KINDS, has_columns, params
from reports.queries.coupons import COUPON

# Taking part = a points entry of an activity (campaign grant, exchange, draw) or a coupon received.
LEDGER_PARTICIPANTS = """
    SELECT DISTINCT member_id FROM journal_entry
    WHERE created_at >= :start AND created_at < :end AND member_id IS NOT NULL
      AND kind <> ALL (:order_kinds)"""

COUPON_PARTICIPANTS = """
    SELECT DISTINCT {member} FROM {table} WHERE {issued_at} >= :start AND {issued_at} < :end"""

BY_GROUP = """
    SELECT (pa.member_id IS NOT NULL) AS participant, count(*) AS members,
           count(*) FILTER (WHERE m.orders > 0) AS buyers, sum(m.orders) AS orders, sum(m.gmv) AS gmv
    FROM rpt_people m LEFT JOIN rpt_participants pa USING (member_id)
    GROUP BY 1"""

NEW_RETURNING = """
    SELECT EXISTS (SELECT 1 FROM settlement s WHERE s.member_id = b.member_id AND s.paid_at < :start
                   AND s.state <> 'rejected') AS returning,
           count(*) AS buyers, sum(b.orders) AS orders, sum(b.gmv) AS gmv
    FROM rpt_buyers b GROUP BY 1"""


def _group(row) -> dict:
    members, buyers, orders, gmv = (int(row[k]) for k in ("members", "buyers", "orders", "gmv")) if row else (0,) * 4
    return {"members": members, "buyers": buyers, "orders": orders, "gmv_fen": gmv,
            "conversion": buyers / members if members else None, "aov_fen": gmv / orders if orders else None}


def buyers_section(conn: Connection, p: Period) -> dict:
    bind = {**params(p), "order_kinds": list(ORDER_KINDS)}
    sources = [LEDGER_PARTICIPANTS]
    if has_columns(conn, COUPON["table"], [COUPON["member"], COUPON["issued_at"]]):
        sources.append(COUPON_PARTICIPANTS.format(**COUPON))
    conn.execute(text("DROP TABLE IF EXISTS rpt_participants"))
    conn.execute(text("CREATE TEMP TABLE rpt_participants AS " + " UNION ".join(sources)), bind)
    conn.execute(text("ANALYZE rpt_participants"))
    groups = {r["participant"]: r for r in conn.execute(text(BY_GROUP)).mappings()}
    ages = {r["returning"]: r for r in conn.execute(text(NEW_RETURNING), bind).mappings()}
    totals = conn.execute(text("SELECT count(*), coalesce(sum(orders), 0), coalesce(sum(gmv), 0) FROM rpt_buyers")).one()
    viewers = conn.execute(text("SELECT count(*) FROM rpt_people WHERE seen")).scalar_one()

    def age(flag: bool) -> dict:
        r = ages.get(flag)
        buyers, orders, gmv = (int(r["buyers"]), int(r["orders"]), int(r["gmv"])) if r else (0, 0, 0)
        return {"buyers": buyers, "orders": orders, "gmv_fen": gmv, "aov_fen": gmv / orders if orders else None}

    return {"viewers": int(viewers), "buyers": int(totals[0]), "orders": int(totals[1]), "gmv_fen": int(totals[2]),
            "aov_fen": int(totals[2]) / int(totals[1]) if totals[1] else None,
            "participants": _group(groups.get(True)), "others": _group(groups.get(False)),
            "new": age(False), "returning": age(True)}
