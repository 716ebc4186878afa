"""Reads and writes of the settlement and order_refund tables, inside the caller's transaction."""

import json
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.earning import Line
from domain.orders import CheckedOrder, RefundedSoFar
from models.orders import PaidOrder, Settlement
from models.risk_base import RiskVerdict


def load_settlement(conn: Connection, order_id: str, *, lock: bool = False) -> Settlement | None:
    row = conn.execute(text("SELECT * FROM settlement WHERE order_id = :o" + (" FOR UPDATE" if lock else "")),
                       {"o": order_id}).mappings().first()
    return Settlement.model_validate(dict(row)) if row else None


def order_from_row(row: Settlement) -> CheckedOrder:
    o = row.order_json
    return CheckedOrder(order_id=row.order_id, member_id=row.member_id, room_id=row.room_id,
                        lines=tuple(Line(**line) for line in o["checked_lines"]),
                        amount_paid_fen=o["amount_paid_fen"], shipping_fen=o["shipping_fen"],
                        paid_at=row.paid_at)


def save_new(conn: Connection, *, order: PaidOrder, checked: CheckedOrder, state: str, points: int,
             verdict: RiskVerdict, rules: dict, confirm_due_at: datetime) -> None:
    order_json = {**order.model_dump(mode="json"),
                  "checked_lines": [line.__dict__ for line in checked.lines],
                  "amount_paid_fen": checked.amount_paid_fen, "shipping_fen": checked.shipping_fen}
    conn.execute(text(
        "INSERT INTO settlement (order_id, member_id, room_id, state, goods_paid_fen, points_earned, risk_decision, "
        "risk_score, risk_reasons, rules, order_json, paid_at, confirm_due_at) VALUES (:o, :m, :room, :state, "
        ":goods, :points, :decision, :score, CAST(:reasons AS jsonb), CAST(:rules AS jsonb), CAST(:order AS jsonb), "
        ":paid_at, :due)"),
        {"o": checked.order_id, "m": checked.member_id, "room": checked.room_id, "state": state,
         "goods": checked.goods_paid_fen, "points": points, "decision": verdict.decision, "score": verdict.score,
         "reasons": json.dumps(verdict.reasons), "rules": json.dumps(rules), "order": json.dumps(order_json),
         "paid_at": checked.paid_at, "due": confirm_due_at})


def save_refund(conn: Connection, *, order_id: str, refund_id: str, this: RefundedSoFar, after: RefundedSoFar,
                points_reversed: int, points_forgiven: int, after_confirmation: bool, state: str) -> None:
    conn.execute(text(
        "INSERT INTO order_refund (order_id, refund_id, amount_fen, units, points_reversed, points_forgiven, "
        "after_confirmation) VALUES (:o, :r, :amount, CAST(:units AS jsonb), :pr, :pf, :after)"),
        {"o": order_id, "r": refund_id, "amount": this.fen, "units": json.dumps(this.units), "pr": points_reversed,
         "pf": points_forgiven, "after": after_confirmation})
    conn.execute(text(
        "UPDATE settlement SET refunded_fen = :fen, refunded_units = CAST(:units AS jsonb), "
        "points_reversed = points_reversed + :pr, state = :state, updated_at = now() WHERE order_id = :o"),
        {"o": order_id, "fen": after.fen, "units": json.dumps(after.units), "pr": points_reversed, "state": state})
