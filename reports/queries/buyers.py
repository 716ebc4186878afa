"""Buyers section: members who took part in points or coupon activities against those who did not, and new
against returning buyers. Uses the period's temp tables (rpt_viewers, rpt_buyers) from common.prepare."""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.report_period import Period
from reports.queries.common import ORDER_KINDS, Members, has_columns, in_slice, params
from reports.queries.coupons import COUPON

# Taking part = a points entry of an activity (campaign grant, exchange, draw) or a coupon received.
LEDGER_PARTICIPANTS = """
    SELECT DISTINCT member_id FROM journal_entry
    WHERE created_at >= :start AND created_at < :end AND member_id IS NOT NULL
      AND kind <> ALL (:order_kinds) AND {slice}"""

COUPON_PARTICIPANTS = """
    SELECT DISTINCT {member} FROM {table} WHERE {issued_at} >= :start AND {issued_at} < :end AND {slice}"""

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


def buyers_counts(conn: Connection, p: Period, members: Members = None) -> dict:
    """Every figure of the section as a sum over members, so two slices of members add up (add_counts)."""
    bind = {**params(p, members), "order_kinds": list(ORDER_KINDS)}
    sources = [LEDGER_PARTICIPANTS.format(slice=in_slice("member_id", members))]
    if has_columns(conn, COUPON["table"], [COUPON["member"], COUPON["issued_at"]]):
        sources.append(COUPON_PARTICIPANTS.format(**COUPON, slice=in_slice(COUPON["member"], members)))
    conn.execute(text("DROP TABLE IF EXISTS rpt_participants"))
    conn.execute(text("CREATE TEMP TABLE rpt_participants AS " + " UNION ".join(sources)), bind)
    conn.execute(text("ANALYZE rpt_participants"))
    zero = {"members": 0, "buyers": 0, "orders": 0, "gmv": 0}
    groups = {r["participant"]: dict(r) for r in conn.execute(text(BY_GROUP)).mappings()}
    ages = {r["returning"]: dict(r) for r in conn.execute(text(NEW_RETURNING), bind).mappings()}
    totals = conn.execute(text(
        "SELECT count(*), coalesce(sum(orders), 0), coalesce(sum(gmv), 0) FROM rpt_buyers")).one()
    viewers = conn.execute(text("SELECT count(*) FROM rpt_people WHERE seen")).scalar_one()
    return {"viewers": int(viewers), "buyers": int(totals[0]), "orders": int(totals[1]), "gmv": int(totals[2]),
            "groups": {flag: {k: int(groups.get(flag, zero)[k] or 0) for k in zero} for flag in (True, False)},
            "ages": {flag: {k: int(ages.get(flag, {"buyers": 0, "orders": 0, "gmv": 0})[k] or 0)
                            for k in ("buyers", "orders", "gmv")} for flag in (True, False)}}


def add_counts(a: dict, b: dict) -> dict:
    """buyers_counts of two disjoint slices of members, added."""
    return {**{k: a[k] + b[k] for k in ("viewers", "buyers", "orders", "gmv")},
            **{part: {flag: {k: a[part][flag][k] + b[part][flag][k] for k in a[part][flag]} for flag in (True, False)}
               for part in ("groups", "ages")}}


def buyers_section(conn: Connection, p: Period, counts: dict | None = None) -> dict:
    c = counts if counts is not None else buyers_counts(conn, p)
    groups = {flag: g if g["members"] else None for flag, g in c["groups"].items()}

    def age(flag: bool) -> dict:
        buyers, orders, gmv = (c["ages"][flag][k] for k in ("buyers", "orders", "gmv"))
        return {"buyers": buyers, "orders": orders, "gmv_fen": gmv, "aov_fen": gmv / orders if orders else None}

    return {"viewers": c["viewers"], "buyers": c["buyers"], "orders": c["orders"], "gmv_fen": c["gmv"],
            "aov_fen": c["gmv"] / c["orders"] if c["orders"] else None,
            "participants": _group(groups[True]), "others": _group(groups[False]),
            "new": age(False), "returning": age(True)}
