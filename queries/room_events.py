"""Recorded room events for dry runs and reports."""

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.campaigns.evaluator import Ev


def events_between(conn: Connection, room_id: str, start: datetime, end: datetime) -> list[Ev]:
    rows = conn.execute(text(
        "SELECT id, event_id, type, member_id, device_id, ip, extract(epoch FROM occurred_at)::float8, payload "
        "FROM room_event WHERE room_id = :r AND occurred_at >= :a AND occurred_at < :b ORDER BY id"),
        {"r": room_id, "a": start, "b": end}).all()
    return [Ev(*r) for r in rows]


def members_seen_before(conn: Connection, room_id: str, before: datetime) -> set[str]:
    return set(conn.execute(text("SELECT DISTINCT member_id FROM room_event WHERE room_id = :r AND occurred_at < :b "
                                 "AND member_id IS NOT NULL"), {"r": room_id, "b": before}).scalars())
