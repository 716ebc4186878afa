"""Rules and triggers: participation, cost and GMV per campaign rule, and the most popular plays.

Points grants come from the ledger (journal_entry.detail names the rule); coupon grants from the campaign
module's campaign_grant rows (rpt_coupon_rule), so nothing is counted twice; triggers from campaign specs.
Cost = points granted x settings.point_value_fen + face value of redeemed coupons. GMV per rule = the
period's net GMV of the members who got something from that rule (attributed, so one order can count for
several rules; the total GMV is in Buyers)."""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.report_period import Period
from reports.queries.common import ORDER_KINDS, RULE_OF_ENTRY, Members, has_columns, in_slice, params
from reports.queries.coupons import COUPON

# rpt_grants: one row per rule, trigger and member (grants, points, coupon cost), the experiments' input too.
LEDGER_GRANTS = f"""
    SELECT {RULE_OF_ENTRY} AS rule, e.detail->>'trigger' AS trigger, e.member_id,
           count(*) AS grants, sum(-p.amount) AS points, 0::bigint AS cost_fen
    FROM journal_entry e JOIN posting p ON p.entry_id = e.id AND p.member_id IS NULL AND p.bucket = 'system:issued'
    WHERE e.created_at >= :start AND e.created_at < :end AND {RULE_OF_ENTRY} IS NOT NULL
      AND e.kind <> ALL (:order_kinds) AND {{slice}}
    GROUP BY 1, 2, 3"""

COUPON_GRANTS = """
    SELECT r.rule_id, r.trigger, c.{member}, count(*), 0::bigint,
           sum(CASE WHEN EXISTS (SELECT 1 FROM order_coupon oc WHERE oc.code = c.{code} AND oc.state = 'redeemed')
                    THEN c.{value_fen} ELSE 0 END)::bigint
    FROM {table} c JOIN rpt_coupon_rule r ON r.code = c.{code}
    WHERE c.{issued_at} >= :start AND c.{issued_at} < :end AND {slice}
    GROUP BY 1, 2, 3"""

PER_RULE = """
    WITH members AS (SELECT rule, member_id, sum(grants) AS grants, sum(points) AS points,
                            sum(cost_fen) AS cost_fen FROM rpt_grants GROUP BY 1, 2)
    SELECT m.rule, sum(m.grants) AS grants, count(*) AS members, sum(m.points) AS points,
           sum(m.cost_fen) AS coupon_cost_fen, count(b.member_id) AS buyers, coalesce(sum(b.gmv), 0) AS gmv
    FROM members m LEFT JOIN rpt_buyers b USING (member_id)
    GROUP BY m.rule"""

PLAYS = """
    SELECT coalesce(g.trigger, t.trigger, 'unknown') AS trigger, sum(g.grants) AS grants,
           count(DISTINCT g.member_id) AS members
    FROM rpt_grants g LEFT JOIN rpt_rule_trigger t ON t.rule_id = g.rule
    GROUP BY 1"""


def rules_counts(conn: Connection, p: Period, members: Members = None) -> dict:
    """Per rule and per trigger, sums over members (members are counted once per rule or trigger), so two
    disjoint slices of members add up (add_counts). Leaves rpt_grants for the experiments."""
    sources = [LEDGER_GRANTS.format(slice=in_slice("e.member_id", members))]
    if has_columns(conn, COUPON["table"], [COUPON[k] for k in ("code", "member", "value_fen", "issued_at")]):
        sources.append(COUPON_GRANTS.format(**COUPON, slice=in_slice(f"c.{COUPON['member']}", members)))
    conn.execute(text("DROP TABLE IF EXISTS rpt_grants"))
    conn.execute(text("CREATE TEMP TABLE rpt_grants AS " + " UNION ALL ".join(sources)),
                 {**params(p, members), "order_kinds": list(ORDER_KINDS)})
    conn.execute(text("ANALYZE rpt_grants"))
    keys = ("grants", "members", "points", "coupon_cost_fen", "buyers", "gmv")
    rules = {r["rule"]: {k: int(r[k]) for k in keys} for r in conn.execute(text(PER_RULE)).mappings()}
    plays = {r["trigger"]: {"grants": int(r["grants"]), "members": int(r["members"])}
             for r in conn.execute(text(PLAYS)).mappings()}
    return {"rules": rules, "plays": plays}


def add_counts(a: dict, b: dict) -> dict:
    def add(x: dict, y: dict) -> dict:
        return {key: {k: x.get(key, {}).get(k, 0) + y.get(key, {}).get(k, 0) for k in (x.get(key) or y[key])}
                for key in x.keys() | y.keys()}

    return {"rules": add(a["rules"], b["rules"]), "plays": add(a["plays"], b["plays"])}


def rules_section(conn: Connection, p: Period, point_value_fen: int, counts: dict | None = None) -> dict:
    c = counts if counts is not None else rules_counts(conn, p)
    rules = []
    for rule, r in sorted(c["rules"].items(), key=lambda kv: (-kv[1]["members"], kv[0] is None, kv[0] or "")):
        cost = r["points"] * point_value_fen + r["coupon_cost_fen"]
        rules.append({"rule": rule, "grants": r["grants"], "members": r["members"], "points": r["points"],
                      "cost_fen": cost, "buyers": r["buyers"], "gmv_fen": r["gmv"],
                      "gmv_per_cost": r["gmv"] / cost if cost else None})
    plays = [{"trigger": t, **v} for t, v in sorted(c["plays"].items(),
                                                     key=lambda kv: (-kv[1]["members"], -kv[1]["grants"]))][:10]
    return {"rules": rules, "plays": plays, "cost_fen": sum(r["cost_fen"] for r in rules)}
