"""Shared builders for campaign tests: rooms, events, specs."""

import random
from datetime import datetime, timedelta, timezone

from activities.rooms import register_room
from core.db import transaction
from models.events import RoomBase
from tests.conftest import unique


def new_room(shop: str = "") -> str:
    room = unique("room")
    with transaction() as conn:
        register_room(conn, RoomBase(room_id=room, shop_id=shop))
    return room


def ev(room: str, kind: str, member: str | None, at: datetime, n: int | str = "", **payload) -> dict:
    return {"event_id": f"{room}-{kind}-{member}-{at.timestamp()}-{n}", "type": kind, "member_id": member,
            "device_id": f"dev-{member}" if member else "", "ip": "10.0.0.1", "occurred_at": at.isoformat(),
            "payload": payload}


def own_ip() -> str:
    """A random address: the shared-IP and shared-network risk rules (ev's 10.0.0.1, piled up by other
    tests) then hold nothing of this test's."""
    return "10." + ".".join(str(random.randrange(256)) for _ in range(3))


def watching(room: str, member: str, start: datetime, minutes: float, every: int = 30) -> list[dict]:
    out = [ev(room, "enter", member, start)]
    out += [ev(room, "heartbeat", member, start + timedelta(seconds=s))
            for s in range(every, int(minutes * 60) + 1, every)]
    return out


def spec(room: str | list[str], rules: list[dict], *, start: datetime | None = None, minutes: float = 60,
         **extra) -> dict:
    start = start or datetime.now(timezone.utc) - timedelta(minutes=10)
    return {"id": unique("camp"), "rooms": room if isinstance(room, list) else [room],
            "window": {"start": start.isoformat(), "end": (start + timedelta(minutes=minutes)).isoformat()},
            "rules": rules, **extra}
