"""Rules and triggers: participation, cost and GMV per campaign rule, and the most popular plays.

Points grants come from the ledger (journal_entry.detail names the rule); coupon grants from the campaign
module's campaign_grant rows (rpt_coupon_rule), so nothing is counted twice; triggers from campaign specs.
Cost = points granted x settings.point_value_fen + face value of redeemed coupons. GMV per rule = the period's net GMV of the members who got something from that rule (attributed,
so one order can count for several rules; the total GMV is in Buyers)."""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.report_period import Period
from reports.queries.common import ORDER_KINDS, RULE_OF_ENTRY, has_columns, params
from reports.queries.coupons import COUPON

LEDGER_GRANTS = f"""
    SELECT {RULE_OF_ENTRY} AS rule, coalesce(e.detail->>'trigger', t.trigger, e.kind) AS trigger, e.member_id,
           'points' AS what, -p.amount AS points, 0::bigint AS cost_fen
    FROM journal_entry e JOIN posting p ON p.entry_id = e.id AND p.member_id IS NULL AND p.bucket = 'system:issued'
         LEFT JOIN rpt_rule_trigger t ON t.rule_id = {RULE_OF_ENTRY}
    WHERE e.created_at >= :start AND e.created_at < :end AND {RULE_OF_ENTRY} IS NOT NULL
      AND e.kind <> ALL (:order_kinds)"""

COUPON_GRANTS = """
    SELECT r.rule_id, r.trigger, c.{member}, 'coupon', 0::bigint,
           CASE WHEN EXISTS (SELECT 1 FROM order_coupon oc WHERE oc.code = c.{code} AND oc.state = 'redeemed')
                THEN c.{value_fen} ELSE 0 END
    FROM {table} c JOIN rpt_coupon_rule r ON r.code = c.{code}
    WHERE c.{issued_at} >= :start AND c.{issued_at} < :end"""

PER_RULE = """
    WITH members AS (SELECT DISTINCT rule, member_id FROM rpt_grants),
         gmv AS (SELECT m.rule, count(b.member_id) AS buyers, coalesce(sum(b.gmv), 0) AS gmv
                 FROM members m LEFT JOIN rpt_buyers b USING (member_id) GROUP BY m.rule)
    SELECT g.rule, count(*) AS grants, count(DISTINCT g.member_id) AS members,
           coalesce(sum(g.points), 0) AS points, coalesce(sum(g.cost_fen), 0) AS coupon_cost_fen,
           max(gmv.buyers) AS buyers, max(gmv.gmv) AS gmv
    FROM rpt_grants g JOIN gmv USING (rule) GROUP BY g.rule ORDER BY members DESC, g.rule"""

PLAYS = """
    SELECT trigger, count(*) AS grants, count(DISTINCT member_id) AS members
    FROM rpt_grants GROUP BY trigger ORDER BY members DESC, grants DESC LIMIT 10"""


def rules_section(conn: Connection, p: Period, point_value_fen: int) -> dict:
    sources = [LEDGER_GRANTS]
    if has_columns(conn, COUPON["table"], [COUPON[k] for k in ("code", "member", "value_fen", "issued_at")]):
        sources.append(COUPON_GRANTS.format(**COUPON))
    conn.execute(text("DROP TABLE IF EXISTS rpt_grants"))
    conn.execute(text("CREATE TEMP TABLE rpt_grants AS " + " UNION ALL ".join(sources)),
                 {**params(p), "order_kinds": list(ORDER_KINDS)})
    rules = []
    for r in conn.execute(text(PER_RULE)).mappings():
        cost = int(r["points"]) * point_value_fen + int(r["coupon_cost_fen"])
        rules.append({"rule": r["rule"], "grants": r["grants"], "members": r["members"], "points": int(r["points"]),
                      "cost_fen": cost, "buyers": int(r["buyers"]), "gmv_fen": int(r["gmv"]),
                      "gmv_per_cost": int(r["gmv"]) / cost if cost else None})
    plays = [dict(r) for r in conn.execute(text(PLAYS)).mappings()]
    return {"rules": rules, "plays": plays, "cost_fen": sum(r["cost_fen"] for r in rules)}
