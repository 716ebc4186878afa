"""Write the risk simulation's room events straight into room_event, in one statement per batch.

Not through intake (activities/intake.py): the simulation replays a labelled crowd in time order into
rooms of its own (tagged, never registered), which no campaign follows, so neither intake's validation
nor its per-room ordering lock nor the lanes' wake-up has anything to do for them."""

import json

from sqlalchemy import text
from sqlalchemy.engine import Connection


def write_events(conn: Connection, events: list) -> int:
    if not events:
        return 0
    return conn.execute(text(
        "INSERT INTO room_event (event_id, room_id, type, member_id, device_id, ip, occurred_at, payload) "
        "SELECT * FROM unnest(CAST(:eid AS text[]), CAST(:room AS text[]), CAST(:type AS text[]), "
        "CAST(:member AS text[]), CAST(:device AS text[]), CAST(:ip AS text[]), CAST(:at AS timestamptz[]), "
        "CAST(:payload AS jsonb[])) ON CONFLICT (event_id) DO NOTHING"),
        {"eid": [e.event_id for e in events], "room": [e.room_id for e in events], "type": [e.type for e in events],
         "member": [e.member_id for e in events], "device": [e.device_id for e in events],
         "ip": [e.ip for e in events], "at": [e.occurred_at for e in events],
         "payload": [json.dumps(e.payload) for e in events]}).rowcount
