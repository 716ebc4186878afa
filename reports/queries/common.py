"""Shared pieces of report queries: the period's bind parameters, optional tables, per-period temp tables."""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.report_period import Period

# Ledger kinds that belong to orders; any other kind that issues or spends points is a member activity
# (campaign grant, exchange, lottery), which is what makes a viewer a "participant".
ORDER_KINDS = ("earn_pending", "confirm", "reverse_pending", "reverse_available", "expire")


def params(p: Period) -> dict:
    return {"start": p.start, "end": p.end, "tz": p.timezone}


def has_columns(conn: Connection, table: str, columns: list[str]) -> bool:
    """True when `table` exists (in the search path) with every one of `columns`: sections built on
    tables of other modules say "no data yet" instead of failing before those modules are deployed."""
    found = conn.execute(text(
        "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
        "AND table_schema = ANY (current_schemas(true))"), {"t": table}).scalars().all()
    return bool(found) and set(columns) <= set(found)


def prepare(conn: Connection, p: Period) -> None:
    """Temp tables the sections share for one period: viewers (members seen in rooms) and buyers (their
    paid orders: count, net GMV in fen). One scan of the event log instead of one per section."""
    conn.execute(text("DROP TABLE IF EXISTS rpt_viewers, rpt_buyers"))
    conn.execute(text("""
        CREATE TEMP TABLE rpt_viewers AS
        SELECT DISTINCT member_id FROM room_event
        WHERE occurred_at >= :start AND occurred_at < :end AND member_id IS NOT NULL"""), params(p))
    conn.execute(text("""
        CREATE TEMP TABLE rpt_buyers AS
        SELECT member_id, count(*) AS orders, sum(goods_paid_fen - refunded_fen) AS gmv
        FROM settlement
        WHERE paid_at >= :start AND paid_at < :end AND state <> 'rejected'
        GROUP BY member_id"""), params(p))
    conn.execute(text("ALTER TABLE rpt_buyers ADD PRIMARY KEY (member_id)"))
    conn.execute(text("ANALYZE rpt_viewers"))
    conn.execute(text("ANALYZE rpt_buyers"))
