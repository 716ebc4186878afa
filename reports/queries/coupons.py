"""Coupons section. Issued/expired/denominations come from the coupon module's `coupon` table; what was
redeemed on which order comes from order_coupon (written by settlement) joined to settlement, so cost and
GMV match the orders. Column names of the coupon module are in COUPON: the one place to change.

Trigger of a coupon = the trigger of the campaign rule that granted it (rpt_coupon_rule), else the first
part of its source ("exchange", "lottery", "api", ...)."""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.report_period import Period
from reports.queries.common import has_columns, params

COUPON = {"table": "coupon", "code": "code", "member": "member_id", "value_fen": "face_value_fen",
          "issued_at": "issued_at", "expires_at": "valid_until", "status": "status", "room": "room_id",
          "source": "source"}


def _sql(template: str) -> str:
    return template.format(**COUPON)


TOTALS = """
    SELECT (SELECT count(*) FROM {table} WHERE {issued_at} >= :start AND {issued_at} < :end) AS issued,
           (SELECT count(*) FROM {table} WHERE {status} = 'expired'
              AND {expires_at} >= :start AND {expires_at} < :end) AS expired,
           count(*) AS redeemed, coalesce(sum(c.{value_fen}), 0) AS cost_fen
    FROM order_coupon oc JOIN settlement s ON s.order_id = oc.order_id JOIN {table} c ON c.{code} = oc.code
    WHERE oc.state = 'redeemed' AND s.paid_at >= :start AND s.paid_at < :end"""

GMV = """
    SELECT coalesce(sum(s.goods_paid_fen - s.refunded_fen), 0), count(*)
    FROM settlement s
    WHERE s.paid_at >= :start AND s.paid_at < :end AND s.state <> 'rejected'
      AND EXISTS (SELECT 1 FROM order_coupon oc WHERE oc.order_id = s.order_id AND oc.state = 'redeemed')"""

# Coupons issued in the period, and whether they were redeemed (by now), by one dimension.
ISSUED = """
    CREATE TEMP TABLE rpt_coupons_issued AS
        SELECT c.{value_fen} AS value_fen, coalesce(r.trigger, split_part(c.{source}, ':', 1)) AS trigger,
               coalesce(greatest(floor(extract(epoch FROM c.{issued_at} - s.first_at) / 3600)::int, 0), 0)
                 AS session_hour,
               EXISTS (SELECT 1 FROM order_coupon oc WHERE oc.code = c.{code} AND oc.state = 'redeemed') AS used
        FROM {table} c LEFT JOIN rpt_coupon_rule r ON r.code = c.{code}
             LEFT JOIN rpt_sessions s ON s.room_id = c.{room} AND s.day = (c.{issued_at} AT TIME ZONE :tz)::date
        WHERE c.{issued_at} >= :start AND c.{issued_at} < :end"""

RATE_BY = """
    SELECT {dimension} AS label, count(*) AS issued, count(*) FILTER (WHERE used) AS redeemed
    FROM rpt_coupons_issued GROUP BY 1 ORDER BY 1"""

# The start of each live session a coupon was issued in: the room's first event of that local day, found
# through the time index for just the (room, day) pairs that have coupons.
SESSIONS = """
    CREATE TEMP TABLE rpt_sessions AS
    WITH pairs AS (SELECT DISTINCT {room} AS room_id, ({issued_at} AT TIME ZONE :tz)::date AS day FROM {table}
                   WHERE {issued_at} >= :start AND {issued_at} < :end)
    SELECT room_id, day,
           (SELECT e.occurred_at FROM room_event e WHERE e.room_id = pairs.room_id
              AND e.occurred_at >= (day::timestamp AT TIME ZONE :tz)
              AND e.occurred_at < ((day + 1)::timestamp AT TIME ZONE :tz)
            ORDER BY e.occurred_at LIMIT 1) AS first_at
    FROM pairs"""

def coupons_section(conn: Connection, p: Period) -> dict | None:
    needed = [COUPON[k] for k in ("code", "member", "value_fen", "issued_at", "expires_at", "status", "room",
                                  "source")]
    if not has_columns(conn, COUPON["table"], needed):
        return None
    bind = params(p)
    conn.execute(text("DROP TABLE IF EXISTS rpt_sessions, rpt_coupons_issued"))
    conn.execute(text(_sql(SESSIONS)), bind)
    conn.execute(text(_sql(ISSUED)), bind)
    totals = dict(conn.execute(text(_sql(TOTALS)), bind).mappings().one())
    gmv, orders = conn.execute(text(_sql(GMV)), bind).one()

    def rate_by(dimension: str) -> list[dict]:
        rows = conn.execute(text(RATE_BY.format(dimension=dimension))).mappings().all()
        return [{**r, "rate": r["redeemed"] / r["issued"] if r["issued"] else None} for r in rows]

    return {**{k: int(v) for k, v in totals.items()}, "gmv_fen": int(gmv), "orders": int(orders),
            "redemption_rate": totals["redeemed"] / totals["issued"] if totals["issued"] else None,
            "by_trigger": rate_by("trigger"), "by_denomination": rate_by("value_fen"),
            "by_session_hour": rate_by("session_hour")}
