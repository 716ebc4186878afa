"""Intake's storage: new events copied in bulk, stored ids skipped (a re-posted batch, an id another
room's writer stored) without losing or doubling an event."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import text

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


def test_an_id_another_room_stored_fails_the_copy_and_the_rest_is_kept(conn):
    other, room, now = new_room(), new_room(), datetime.now(timezone.utc)
    taken = ev(other, "like", "m9", now, count=1)
    assert ingest(conn, other, [taken]).accepted == 1
    mine, later = ev(room, "enter", "m1", now), ev(room, "leave", "m1", now + timedelta(seconds=3))
    result = ingest(conn, room, [later, dict(taken, device_id="dev-x"), mine])
    assert (result.accepted, result.duplicates) == (2, 1)
    assert _stored(conn, room) == [(mine["event_id"], "enter"), (later["event_id"], "leave")]
    assert _stored(conn, other) == [(taken["event_id"], "like")]


def test_a_batch_posted_again_whole_changes_nothing(conn):
    room, now = new_room(), datetime.now(timezone.utc)
    batch = [ev(room, "enter", f"m{i}", now + timedelta(seconds=i)) for i in range(5)]
    assert ingest(conn, room, batch).accepted == 5
    before = conn.execute(text("SELECT id, event_id FROM room_event WHERE room_id = :r ORDER BY id"), {"r": room}).all()
    again = ingest(conn, room, list(reversed(batch)))
    assert (again.accepted, again.duplicates) == (0, 5)
    assert conn.execute(text("SELECT id, event_id FROM room_event WHERE room_id = :r ORDER BY id"),
                        {"r": room}).all() == before


def test_awkward_text_is_stored_exactly_and_a_nul_is_refused_alone(conn):
    room, now = new_room(), datetime.now(timezone.utc)
    odd = dict(ev(room, "comment", "m\t1", now, text='say "hi"\\n\nnext\ttab 🎉'), event_id=f"{room}\\odd\n1",
               device_id="dev\r1", ip="")
    nul_id = dict(ev(room, "like", "m2", now, count=1), event_id=f"{room}-nul\x00")
    nul_payload = ev(room, "comment", "m3", now, text="a\x00b")
    wide = ev(room, "online_count", None, now + timedelta(seconds=1), count=12)
    result = ingest(conn, room, [odd, nul_id, nul_payload, wide])
    assert (result.accepted, [r.index for r in result.rejected]) == (2, [1, 2])
    assert all("NUL" in r.reason for r in result.rejected)
    stored = conn.execute(text("SELECT event_id, member_id, device_id, ip, payload FROM room_event WHERE room_id = :r "
                               "ORDER BY id"), {"r": room}).all()
    assert stored == [(odd["event_id"], "m\t1", "dev\r1", "", odd["payload"]),
                      (wide["event_id"], None, "", "10.0.0.1", {"count": 12})]
    kept = conn.execute(text("SELECT event_id, payload FROM room_event_dead_letter WHERE room_id = :r ORDER BY id"),
                        {"r": room}).all()
    assert [e for e, _ in kept] == [f"{room}-nul\ufffd", nul_payload["event_id"]]
    assert kept[1][1]["payload"] == {"text": "a\ufffdb"}


def test_times_and_payloads_are_stored_as_sent_whatever_their_form(conn):
    """Rows go by COPY's binary format: a time is stored as the instant it names (any offset, microseconds,
    epoch milliseconds) and a payload as the same JSON."""
    room = new_room()
    shanghai = ev(room, "like", "m1", datetime.now(timezone.utc), count=3)
    shanghai["occurred_at"] = "2026-12-03T17:30:05.123456+08:00"
    epoch_ms = dict(ev(room, "gift", "m2", datetime.now(timezone.utc), gift="rocket", value=520),
                    occurred_at=1_796_290_205_250)  # 2026-12-03T09:30:05.25Z
    assert ingest(conn, room, [shanghai, epoch_ms]).accepted == 2
    stored = conn.execute(text("SELECT event_id, occurred_at, payload FROM room_event WHERE room_id = :r ORDER BY id"),
                          {"r": room}).all()
    assert stored == [
        (shanghai["event_id"], datetime(2026, 12, 3, 9, 30, 5, 123456, tzinfo=timezone.utc), {"count": 3}),
        (epoch_ms["event_id"], datetime(2026, 12, 3, 9, 30, 5, 250000, tzinfo=timezone.utc),
         {"gift": "rocket", "value": 520})]


def test_a_room_id_with_quotes_takes_its_own_lock_and_keeps_its_events(conn):
    """The room's lock is written into the statement as a quoted literal (one round trip with the savepoint)."""
    from activities.rooms import register_room
    from models.events import RoomBase
    room = f"{new_room()}-o'neil\\x; SELECT 1"
    register_room(conn, RoomBase(room_id=room))
    now = datetime.now(timezone.utc)
    first = ev(room, "enter", "m1", now)
    assert ingest(conn, room, [first]).accepted == 1
    assert ingest(conn, room, [first, ev(room, "leave", "m1", now + timedelta(seconds=2))]).accepted == 1
    assert [t for _, t in _stored(conn, room)] == ["enter", "leave"]
