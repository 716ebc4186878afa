"""Settlement status as stored (the database is the truth; the workflow query mirrors it)."""

from sqlalchemy.engine import Connection

from activities.settlement_store import load_settlement
from models.orders import SettlementStatus


def settlement_status(conn: Connection, order_id: str) -> SettlementStatus | None:
    row = load_settlement(conn, order_id)
    if row is None:
        return None
    return SettlementStatus(order_id=row.order_id, state=row.state, points_earned=row.points_earned,
                            points_reversed=row.points_reversed, refunded=row.refunded_fen / 100,
                            confirm_due_at=row.confirm_due_at, risk_decision=row.risk_decision)
