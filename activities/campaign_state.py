"""Each room's trigger state, kept in worker memory between ticks, with a durable snapshot.

Why: the state holds every viewer seen so far; loading and re-saving it as JSON with every
tick made ticks slower as the audience grew. Now a tick uses the state this worker left in
memory, provided the cursor row (locked FOR UPDATE) still says the same last event id: the
cursor only moves forward, in the transaction that writes the grants, so an equal cursor
means nobody else has ticked this room since. Otherwise (a restarted worker, another worker
picked the room up, a tick that failed) the state is rebuilt from the newest snapshot in
`campaign_snapshot` (as of its `event_id`) by replaying the events after it up to the cursor
through the same pure evaluator; the replay's matches are thrown away (they were decided by the
ticks that first saw those events). A snapshot is taken every `campaign_snapshot_seconds` after a
tick commits and written in the background (activities/campaign_snapshots.py), so it always
matches a committed cursor.

An entry is taken out of the cache for the duration of a tick and put back only after the
tick's transaction has committed, so a tick that dies half-way never leaves a state that is
ahead of the database.
"""

import random
import threading
import time
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from domain.campaigns.evaluator import NO_PAYLOAD, Ev, Evaluator
from domain.campaigns.spec import CampaignSpec

REPLAY_CHUNK = 20_000


@dataclass
class RoomState:
    cursor: int  # last room_event.id this state includes (== campaign_cursor.last_event_id when trusted)
    state: dict
    snapshot_at: float  # monotonic time the snapshot period counts from (0: no snapshot queued by this worker yet)
    events: int = 0  # events evaluated, as stored in campaign_cursor.events


_cache: dict[tuple[str, str], RoomState] = {}
_lock = threading.Lock()


def take(run_id: str, room_id: str, cursor: int) -> RoomState | None:
    """This worker's state for the room if it is exactly as of `cursor`; removed from the cache meanwhile."""
    with _lock:
        entry = _cache.pop((run_id, room_id), None)
    return entry if entry is not None and entry.cursor == cursor else None


def put(run_id: str, room_id: str, entry: RoomState) -> None:
    """After commit only."""
    with _lock:
        _cache[(run_id, room_id)] = entry


def forget(campaign_id: str | None = None) -> None:
    """Drop cached states (all, or every run of one campaign): a later tick rebuilds them from the database."""
    with _lock:
        for key in [k for k in _cache if campaign_id is None or k[0] == campaign_id
                    or k[0].startswith(f"{campaign_id}@")]:
            del _cache[key]


EVENTS = (
    "SELECT id, event_id, type, member_id, device_id, ip, extract(epoch FROM occurred_at)::float8, "
    "CASE WHEN type IN ('heartbeat', 'enter', 'leave') THEN NULL ELSE payload END "  # most rows: skip JSON decoding
    "FROM room_event WHERE room_id = %(r)s AND id > %(after)s AND id <= %(upto)s AND occurred_at >= %(start)s "
    "AND occurred_at < %(end)s ORDER BY id LIMIT %(n)s")
LAST = 2**63 - 1


def read_events(conn: Connection, spec: CampaignSpec, room_id: str, *, after: int, upto: int = LAST,
                limit: int) -> list[Ev]:
    """The room's events in the campaign window after `after` (up to `upto`), in id order: plain tuples
    from the driver's cursor (this is the tick's hottest loop, no result-row objects)."""
    with conn.connection.driver_connection.cursor() as cur:
        cur.execute(EVENTS, {"r": room_id, "after": after, "upto": upto, "start": spec.window.start,
                             "end": spec.window.end, "n": limit})
        return [Ev._make(r) if r[7] is not None else Ev(*r[:7], NO_PAYLOAD) for r in cur.fetchall()]


def rebuild(conn: Connection, spec: CampaignSpec, room_id: str, *, snapshot: dict, snapshot_id: int, cursor: int,
            gap_s: float, seen_before) -> dict:
    """The state as of `cursor`: the snapshot, then the events (snapshot_id, cursor] replayed
    (seen_before(events, viewers known so far): the members with events before the campaign saw them)."""
    state, after = snapshot, snapshot_id
    while after < cursor:
        events = read_events(conn, spec, room_id, after=after, upto=cursor, limit=REPLAY_CHUNK)
        if not events:
            break
        Evaluator(spec, state, gap_s=gap_s, seen_before=seen_before(events, state.get("viewers", {}))).run(events)
        after = events[-1].id
    return state


def snapshot_due(entry: RoomState, every_s: float) -> bool:
    """Never snapshotted by this worker (snapshot_at 0: just rebuilt), or the period since the last one is over."""
    return not entry.snapshot_at or time.monotonic() - entry.snapshot_at >= every_s


def snapshot_taken(entry: RoomState, every_s: float) -> None:
    """The next snapshot falls due `every_s` from now, give or take a quarter of it. Rooms that started
    together would otherwise all snapshot in the same second, every time: a burst of serializing in the
    worker and of writing in the server that held every room's ticks up at once."""
    entry.snapshot_at = time.monotonic() + random.uniform(-0.25, 0.25) * every_s
