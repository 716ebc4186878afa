"""Intake's storage: new events copied in bulk, stored ids skipped, and the race with another room's
writer (an id stored between the lookup and the COPY) settled without losing or doubling an event."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from activities import intake
from activities.intake import ingest
from tests.campaigns.helpers import ev, new_room


def _stored(conn, room):
    return conn.execute(text("SELECT event_id, type FROM room_event WHERE room_id = :r ORDER BY id"),
                        {"r": room}).all()


def test_new_events_stored_in_time_order_and_stored_ids_skipped(conn):
    room, now = new_room(), datetime.now(timezone.utc)
    late, early = ev(room, "like", "m1", now, count=1), ev(room, "enter", "m1", now - timedelta(seconds=5))
    repeated = dict(ev(room, "share", "m2", now + timedelta(seconds=1)), event_id=early["event_id"])
    result = ingest(conn, room, [late, early, repeated])
    assert (result.accepted, result.duplicates) == (2, 0) and [r.index for r in result.rejected] == [2]
    assert _stored(conn, room) == [(early["event_id"], "enter"), (late["event_id"], "like")]  # ids follow time
    again = ingest(conn, room, [late, ev(room, "leave", "m1", now + timedelta(seconds=9))])
    assert (again.accepted, again.duplicates) == (1, 1) and len(_stored(conn, room)) == 3


def test_an_id_stored_by_another_room_after_the_lookup_falls_back_to_on_conflict(conn, monkeypatch):
    other, room, now = new_room(), new_room(), datetime.now(timezone.utc)
    taken = ev(other, "like", "m9", now, count=1)
    assert ingest(conn, other, [taken]).accepted == 1
    # the lookup runs before the other writer's commit: it sees nothing, so the COPY meets the id
    monkeypatch.setattr(intake, "_STORED", text("SELECT event_id FROM room_event WHERE false AND "
                                                "event_id = ANY(CAST(:ids AS text[]))"))
    mine = ev(room, "enter", "m1", now)
    result = ingest(conn, room, [mine, dict(taken, device_id="dev-x")])
    assert (result.accepted, result.duplicates) == (1, 1)
    assert _stored(conn, room) == [(mine["event_id"], "enter")]
    assert len(_stored(conn, other)) == 1
