"""Risk section: what the risk check held or denied, the value that saved, and how reviews came out.

Order points: settlement.risk_decision (always there). Campaign grants: campaign_grant (status held /
denied; value = points x point value + coupon face value). Review outcomes: risk_decision.status of the
decisions that were held (approved / rejected / still held). Each is read only when its table exists."""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.report_period import Period
from reports.queries.common import has_columns, params

ORDERS = """
    SELECT risk_decision AS decision, count(*) AS n, coalesce(sum(goods_paid_fen), 0) AS goods_fen
    FROM settlement WHERE paid_at >= :start AND paid_at < :end AND risk_decision IN ('hold', 'deny')
    GROUP BY 1"""

GRANTS = """
    SELECT status, count(*) AS n, coalesce(sum(points), 0) * :pv + coalesce(sum(value_fen), 0) AS value_fen
    FROM campaign_grant WHERE created_at >= :start AND created_at < :end AND status IN ('held', 'denied')
    GROUP BY 1"""

REVIEWS = """
    SELECT CASE status WHEN 'held' THEN 'awaiting review' ELSE status END AS outcome, count(*) AS n
    FROM risk_decision WHERE created_at >= :start AND created_at < :end AND decision = 'hold'
    GROUP BY 1 ORDER BY 2 DESC"""


def risk_section(conn: Connection, p: Period, point_value_fen: int = 1) -> dict:
    bind = {**params(p), "pv": point_value_fen}
    orders = {r["decision"]: r for r in conn.execute(text(ORDERS), bind).mappings()}
    out = {"orders_held": int(orders["hold"]["n"]) if "hold" in orders else 0,
           "orders_denied": int(orders["deny"]["n"]) if "deny" in orders else 0,
           "denied_order_goods_fen": int(orders["deny"]["goods_fen"]) if "deny" in orders else 0,
           "grants": None, "reviews": None}
    if has_columns(conn, "campaign_grant", ["status", "points", "value_fen", "created_at"]):
        grants = {r["status"]: r for r in conn.execute(text(GRANTS), bind).mappings()}
        out["grants"] = {"held": int(grants["held"]["n"]) if "held" in grants else 0,
                         "denied": int(grants["denied"]["n"]) if "denied" in grants else 0,
                         "value_saved_fen": int(grants["denied"]["value_fen"]) if "denied" in grants else 0}
    if has_columns(conn, "risk_decision", ["status", "decision", "created_at"]):
        out["reviews"] = [dict(r) for r in conn.execute(text(REVIEWS), bind).mappings()]
    return out
