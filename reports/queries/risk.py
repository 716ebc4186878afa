"""Risk section: what the risk check held or denied, the value that saved, and how reviews came out.

Order points: settlement.risk_decision (always there). Campaign grants and review outcomes: the campaign
and risk modules' tables (GRANT, DECISION below), read only when they exist."""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.report_period import Period
from reports.queries.common import has_columns, params

GRANT = {"table": "campaign_grant", "status": "status", "value": "value_fen", "created_at": "created_at"}
DECISION = {"table": "risk_decision", "outcome": "review_outcome", "created_at": "created_at"}

ORDERS = """
    SELECT risk_decision AS decision, count(*) AS n, coalesce(sum(goods_paid_fen), 0) AS goods_fen
    FROM settlement WHERE paid_at >= :start AND paid_at < :end AND risk_decision IN ('hold', 'deny')
    GROUP BY 1"""

GRANTS = """
    SELECT {status} AS status, count(*) AS n, coalesce(sum({value}), 0) AS value_fen
    FROM {table} WHERE {created_at} >= :start AND {created_at} < :end AND {status} IN ('held', 'denied')
    GROUP BY 1"""

REVIEWS = """
    SELECT coalesce({outcome}, 'awaiting review') AS outcome, count(*) AS n
    FROM {table} WHERE {created_at} >= :start AND {created_at} < :end GROUP BY 1 ORDER BY 2 DESC"""


def risk_section(conn: Connection, p: Period) -> dict:
    bind = params(p)
    orders = {r["decision"]: r for r in conn.execute(text(ORDERS), bind).mappings()}
    out = {"orders_held": int(orders["hold"]["n"]) if "hold" in orders else 0,
           "orders_denied": int(orders["deny"]["n"]) if "deny" in orders else 0,
           "denied_order_goods_fen": int(orders["deny"]["goods_fen"]) if "deny" in orders else 0,
           "grants": None, "reviews": None}
    if has_columns(conn, GRANT["table"], [GRANT["status"], GRANT["value"], GRANT["created_at"]]):
        grants = {r["status"]: r for r in conn.execute(text(GRANTS.format(**GRANT)), bind).mappings()}
        out["grants"] = {"held": int(grants["held"]["n"]) if "held" in grants else 0,
                         "denied": int(grants["denied"]["n"]) if "denied" in grants else 0,
                         "value_saved_fen": int(grants["denied"]["value_fen"]) if "denied" in grants else 0}
    if has_columns(conn, DECISION["table"], [DECISION["outcome"], DECISION["created_at"]]):
        out["reviews"] = [dict(r) for r in conn.execute(text(REVIEWS.format(**DECISION)), bind).mappings()]
    return out
