"""Nightly expiry of points lots past their date, in batches, idempotent per lot."""

from datetime import datetime

from sqlalchemy import text
from temporalio import activity

from activities.ledger import Movement, lock_available, post_entry
from core.db import transaction
from models.expiry import ExpireInput, ExpireResult
from models.ledger import Bucket


def expire_due_lots(conn, *, now: datetime, batch_size: int) -> ExpireResult:
    due = conn.execute(text(
        "SELECT id, member_id FROM points_lot WHERE remaining > 0 AND expires_at <= :now "
        "ORDER BY member_id, id LIMIT :n FOR UPDATE SKIP LOCKED"), {"now": now, "n": batch_size}).all()
    points = 0
    for lot_id, member_id in due:
        lock_available(conn, member_id)
        remaining = conn.execute(text("SELECT remaining FROM points_lot WHERE id = :id"), {"id": lot_id}).scalar_one()
        if remaining <= 0:
            continue
        post_entry(conn, idempotency_key=f"lot:{lot_id}:expire", kind="expire", member_id=member_id,
                   reference=f"lot:{lot_id}", movements=[Movement(member_id, Bucket.AVAILABLE, -remaining),
                                                        Movement(member_id, Bucket.EXPIRED, remaining)])
        conn.execute(text("UPDATE points_lot SET remaining = 0 WHERE id = :id"), {"id": lot_id})
        points += remaining
    return ExpireResult(lots=len(due), points=points, more=len(due) == batch_size)


@activity.defn(name="expire_points")
def expire_points(inp: ExpireInput) -> ExpireResult:
    with transaction() as conn:
        return expire_due_lots(conn, now=inp.now, batch_size=inp.batch_size)
