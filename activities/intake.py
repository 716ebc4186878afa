"""Store room events: COPY straight into room_event, idempotent by event id.

A transaction-scoped advisory lock per room serialises writers of one room, so
within a room `room_event.id` grows in commit order: a campaign cursor that has
read up to id N never later finds a committed event of that room below N. A batch is first
copied whole, inside a savepoint: COPY inserts rows in bulk, where INSERT ... SELECT ... ON
CONFLICT inserted them one by one speculatively (85 ms per 2,000 events). A batch holding an id
already stored (a retried POST, a replayed file, another room's writer) fails that COPY on the
unique event id; it then goes through a temp table and ON CONFLICT DO NOTHING. Fresh batches, the
live platform's steady case, pay no lookup of stored ids (2,000 index probes and a round trip).
Each row says whether the member index holds it (`first_in_quarter`, domain/quarter_marks.py).
"""

import hashlib
import json
from datetime import datetime, timedelta, timezone

from psycopg import sql
from psycopg.errors import UniqueViolation
from sqlalchemy import text
from sqlalchemy.engine import Connection

from core.db import get_engine
from core.settings import get_settings
from domain.errors import BadInput
from domain.intake import ValidEvent, split_batch, without_nul
from domain.quarter_marks import Pending, QuarterMarks
from models.intake import EventRejection, IntakeResult

COLUMNS = "event_id, room_id, type, member_id, device_id, ip, occurred_at, payload, first_in_quarter"
WAKE_CHANNEL = "room_events"  # NOTIFY'd with the room id after a batch's commit (activities/lane_wake.py listens)
MARKS = QuarterMarks()  # this process's committed batches, for the member index's marks


class UnknownRoom(BadInput):
    pass


def room_exists(conn: Connection, room_id: str) -> bool:
    return conn.execute(text("SELECT 1 FROM room WHERE room_id = :r"), {"r": room_id}).first() is not None


def copy_events(conn: Connection, room_id: str, events: list[ValidEvent], marks: QuarterMarks = MARKS
                ) -> tuple[int, Pending]:
    """Bulk-insert; returns how many were new, and the marks to commit to `marks` once the transaction has."""
    if not events:
        return 0, {}
    raw = conn.connection.driver_connection
    in_time_order = sorted(events, key=lambda e: e.occurred_at)
    marked, pending = marks.mark(room_id, [(e.member_id, e.occurred_at) for e in in_time_order])
    # The room's lock and a savepoint to fall back to, in one round trip (statements without parameters
    # go as one simple query); the commit releases the savepoint, so no RELEASE either. Two round trips
    # less per batch, each several ms on a busy machine, all of them inside the events' delay.
    raw.execute(sql.SQL("SELECT pg_advisory_xact_lock(hashtext({})); SAVEPOINT fresh_batch").format(
        sql.Literal(f"room_event:{room_id}")))
    try:
        with raw.cursor() as cur:
            with cur.copy(f"COPY room_event ({COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
                _write(copy, room_id, in_time_order, marked)
        return len(in_time_order), pending
    except UniqueViolation:  # some of these ids are stored already: keep the others
        raw.execute("ROLLBACK TO SAVEPOINT fresh_batch")
        # every row marked and nothing remembered: which of them get in is up to what is stored
        return _insert_new_ones(conn, room_id, in_time_order), {}


# COPY's binary format: psycopg writes a datetime as its 8 bytes where the text format spent ~2.6 us per
# row on the timestamp's text (3.1 -> 0.5 us a row to format, and the server parses no text). A payload
# goes as jsonb's binary form, a version byte and the JSON text, sent as raw bytes (bytea's dumper).
_TYPES = ["text", "text", "text", "text", "text", "text", "timestamptz", "bytea", "bool"]
_JSONB_V1 = b"\x01"


def _write(copy, room_id: str, events: list[ValidEvent], marked: list[bool] | None = None) -> None:
    copy.set_types(_TYPES)
    for e, mark in zip(events, marked or [True] * len(events)):
        copy.write_row((e.event_id, room_id, e.type, e.member_id, e.device_id, e.ip, e.occurred_at,
                        _JSONB_V1 + e.payload_json.encode(), mark))


def _insert_new_ones(conn: Connection, room_id: str, events: list[ValidEvent]) -> int:
    conn.execute(text("CREATE TEMP TABLE IF NOT EXISTS room_event_in (event_id text, room_id text, type text, "
                      "member_id text, device_id text, ip text, occurred_at timestamptz, payload jsonb, "
                      "first_in_quarter boolean) "
                      "ON COMMIT DELETE ROWS"))
    with conn.connection.driver_connection.cursor() as cur:
        with cur.copy(f"COPY room_event_in ({COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
            _write(copy, room_id, events)
    inserted = conn.execute(text(f"INSERT INTO room_event ({COLUMNS}) SELECT {COLUMNS} FROM room_event_in "
                                 "ORDER BY occurred_at ON CONFLICT (event_id) DO NOTHING"))
    return inserted.rowcount


def dead_letter(conn: Connection, room_id: str, items: list, refused: list[tuple[int, str | None, str]]) -> None:
    """Keep each refused item with its reason, once: the same refusal posted again adds no row."""
    rows = []
    for i, event_id, why in refused:
        event_id, why = event_id and without_nul(event_id), without_nul(why)
        payload = _as_json(items[i] if isinstance(items[i], dict) else {"value": items[i]})
        fingerprint = hashlib.sha256(json.dumps([event_id, why, payload]).encode()).hexdigest()
        rows.append({"r": room_id, "e": event_id, "why": why, "p": payload, "f": fingerprint})
    if rows:
        conn.execute(text("INSERT INTO room_event_dead_letter (room_id, event_id, reason, payload, fingerprint) "
                          "VALUES (:r, :e, :why, CAST(:p AS jsonb), :f) "
                          "ON CONFLICT (room_id, fingerprint) DO NOTHING"), rows)


def _as_json(item) -> str:  # refused items are few: one copy each, without NULs, costs nothing
    return json.dumps(without_nul(item), ensure_ascii=False, default=str)


def ingest(conn: Connection, room_id: str, items: list, now: datetime | None = None) -> IntakeResult:
    return ingest_marked(conn, room_id, items, now)[0]


def ingest_marked(conn: Connection, room_id: str, items: list, now: datetime | None = None
                  ) -> tuple[IntakeResult, Pending]:
    """`ingest`, with the member index's marks for `MARKS.commit` once the transaction has committed."""
    settings = get_settings()
    if not room_exists(conn, room_id):
        raise UnknownRoom(f"unknown room {room_id!r}: register it first (POST /v1/rooms or `liveperks rooms add`)")
    if len(items) > settings.intake_max_events:
        raise BadInput(f"{len(items)} events in one request; at most {settings.intake_max_events}")
    valid, refused = split_batch(items, room_id=room_id, now=now or datetime.now(timezone.utc),
                                 max_future=timedelta(seconds=settings.intake_max_future_seconds))
    new, pending = copy_events(conn, room_id, valid)
    dead_letter(conn, room_id, items, refused)
    return IntakeResult(received=len(items), accepted=new, duplicates=len(valid) - new,
                        rejected=[EventRejection(index=i, event_id=e, reason=why) for i, e, why in refused]), pending


def store_batch(room_id: str, items: list) -> IntakeResult:
    """One request's batch in a transaction of its own; once committed, the room's new events announced
    on the same connection (no second checkout and pre-ping per batch)."""
    with get_engine().connect() as conn:
        with conn.begin():
            result, pending = ingest_marked(conn, room_id, items)
        MARKS.commit(pending)
        if result.accepted:
            _announce(conn, room_id)
    return result


def _announce(conn: Connection, room_id: str) -> None:
    """NOTIFY the workers (activities/lane_wake.py): a lane waiting on its timer or lingering in the room
    ticks at once. In a transaction of its own, after the intake's commit: PostgreSQL serialises the
    commits of notifying transactions (its queue lock, held through the commit), which inside intake
    would have held every batch's WAL flush; this one writes no WAL."""
    conn.execute(text("SELECT pg_notify(:channel, :r)"), {"channel": WAKE_CHANNEL, "r": room_id})
    conn.commit()
