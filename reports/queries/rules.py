"""Rules and triggers: participation, cost and GMV per campaign rule, and the most popular plays.

Points grants come from the ledger (journal_entry.detail names the rule); coupon grants from the campaign
module's campaign_grant rows (rpt_coupon_rule), so nothing is counted twice; triggers from campaign specs.
Cost = points granted x settings.point_value_fen + face value of redeemed coupons. GMV per rule = the
period's net GMV of the members who got something from that rule (attributed, so one order can count for
several rules; the total GMV is in Buyers)."""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.report_period import Period
from reports.queries.common import ORDER_KINDS, RULE_OF_ENTRY, has_columns, params
from reports.queries.coupons import COUPON

# rpt_grants: one row per rule, trigger and member (grants, points, coupon cost), the experiments' input too.
LEDGER_GRANTS = f"""
    SELECT {RULE_OF_ENTRY} AS rule, e.detail->>'trigger' AS trigger, e.member_id,
           count(*) AS grants, sum(-p.amount) AS points, 0::bigint AS cost_fen
    FROM journal_entry e JOIN posting p ON p.entry_id = e.id AND p.member_id IS NULL AND p.bucket = 'system:issued'
    WHERE e.created_at >= :start AND e.created_at < :end AND {RULE_OF_ENTRY} IS NOT NULL
      AND e.kind <> ALL (:order_kinds)
    GROUP BY 1, 2, 3"""

COUPON_GRANTS = """
    SELECT r.rule_id, r.trigger, c.{member}, count(*), 0::bigint,
           sum(CASE WHEN EXISTS (SELECT 1 FROM order_coupon oc WHERE oc.code = c.{code} AND oc.state = 'redeemed')
                    THEN c.{value_fen} ELSE 0 END)::bigint
    FROM {table} c JOIN rpt_coupon_rule r ON r.code = c.{code}
    WHERE c.{issued_at} >= :start AND c.{issued_at} < :end
    GROUP BY 1, 2, 3"""

PER_RULE = """
    WITH members AS (SELECT rule, member_id, sum(grants) AS grants, sum(points) AS points,
                            sum(cost_fen) AS cost_fen FROM rpt_grants GROUP BY 1, 2)
    SELECT m.rule, sum(m.grants) AS grants, count(*) AS members, sum(m.points) AS points,
           sum(m.cost_fen) AS coupon_cost_fen, count(b.member_id) AS buyers, coalesce(sum(b.gmv), 0) AS gmv
    FROM members m LEFT JOIN rpt_buyers b USING (member_id)
    GROUP BY m.rule ORDER BY members DESC, m.rule"""

PLAYS = """
    SELECT coalesce(g.trigger, t.trigger, 'unknown') AS trigger, sum(g.grants) AS grants,
           count(DISTINCT g.member_id) AS members
    FROM rpt_grants g LEFT JOIN rpt_rule_trigger t ON t.rule_id = g.rule
    GROUP BY 1 ORDER BY members DESC, grants DESC LIMIT 10"""


def rules_section(conn: Connection, p: Period, point_value_fen: int) -> dict:
    sources = [LEDGER_GRANTS]
    if has_columns(conn, COUPON["table"], [COUPON[k] for k in ("code", "member", "value_fen", "issued_at")]):
        sources.append(COUPON_GRANTS.format(**COUPON))
    conn.execute(text("DROP TABLE IF EXISTS rpt_grants"))
    conn.execute(text("CREATE TEMP TABLE rpt_grants AS " + " UNION ALL ".join(sources)),
                 {**params(p), "order_kinds": list(ORDER_KINDS)})
    conn.execute(text("ANALYZE rpt_grants"))
    rules = []
    for r in conn.execute(text(PER_RULE)).mappings():
        cost = int(r["points"]) * point_value_fen + int(r["coupon_cost_fen"])
        rules.append({"rule": r["rule"], "grants": int(r["grants"]), "members": r["members"],
                      "points": int(r["points"]), "cost_fen": cost, "buyers": int(r["buyers"]),
                      "gmv_fen": int(r["gmv"]), "gmv_per_cost": int(r["gmv"]) / cost if cost else None})
    plays = [{"trigger": r["trigger"], "grants": int(r["grants"]), "members": r["members"]}
             for r in conn.execute(text(PLAYS)).mappings()]
    return {"rules": rules, "plays": plays, "cost_fen": sum(r["cost_fen"] for r in rules)}

