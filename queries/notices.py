"""A member's notices, newest first."""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from models.notices import NoticePublic


def member_notices(conn: Connection, member_id: str, limit: int = 50) -> list[NoticePublic]:
    rows = conn.execute(text("SELECT id, kind, message, payload, created_at FROM member_notice WHERE member_id = :m "
                             "ORDER BY id DESC LIMIT :n"), {"m": member_id, "n": limit}).mappings().all()
    return [NoticePublic(**r) for r in rows]
