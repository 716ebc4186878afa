"""Register live rooms (operators): events are accepted only for registered rooms."""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.errors import BadInput
from models.events import RoomBase


def register_room(conn: Connection, room: RoomBase) -> bool:
    """Insert or update the room; returns True when it was new."""
    if not room.room_id.strip() or len(room.room_id) > 100:
        raise BadInput("room_id must be a non-empty string of at most 100 characters")
    row = conn.execute(text(
        "INSERT INTO room (room_id, shop_id, host_id, title) VALUES (:r, :s, :h, :t) "
        "ON CONFLICT (room_id) DO UPDATE SET shop_id = EXCLUDED.shop_id, host_id = EXCLUDED.host_id, "
        "title = EXCLUDED.title RETURNING (xmax = 0)"),
        {"r": room.room_id, "s": room.shop_id, "h": room.host_id, "t": room.title}).scalar_one()
    return bool(row)


def list_rooms(conn: Connection) -> list[RoomBase]:
    rows = conn.execute(text("SELECT room_id, shop_id, host_id, title FROM room ORDER BY room_id")).all()
    return [RoomBase(room_id=r, shop_id=s, host_id=h, title=t) for r, s, h, t in rows]
