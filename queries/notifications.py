"""A member's notifications, oldest first after a cursor (the last id the app has seen)."""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from models.notifications import NotificationPage, NotificationPublic


def after(conn: Connection, member_id: str, *, after_id: int = 0, limit: int = 50) -> NotificationPage:
    rows = conn.execute(text("SELECT id, member_id, kind, title, body, data, created_at FROM notification "
                             "WHERE member_id = :m AND id > :a ORDER BY id LIMIT :n"),
                        {"m": member_id, "a": after_id, "n": limit}).mappings().all()
    items = [NotificationPublic(**r) for r in rows]
    return NotificationPage(items=items, next_cursor=items[-1].id if items else after_id)
