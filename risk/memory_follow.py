"""Keeps this process's AggregateMemory up to date from the database, which stays the log.

A cursor per source (room events, risk decisions) moves by id. Ids are not committed in id order
(rooms' intake transactions run side by side, a grant's transaction lasts a tick), so every id the
cursor passes without its row is kept as a hole and looked for again at each catch-up, until it turns
up or is older than risk_memory_hole_wait_s (an id of a rolled-back transaction never does).
A process that starts replays the last day (and the hour a 24 h window reaches back), then asks the
database when the members it saw were first seen before that (an account's age must not restart).
"""

import logging
import threading
import time
from collections.abc import Callable

from psycopg import Connection as Driver

from core.db import get_engine
from core.id_holes import IdHoles
from core.settings import get_settings
from domain.risk.features import DAY, HOUR
from queries.risk import COMMENT_KEY, DECISION_MS, DECISION_TYPE, EVENT_MS
from risk.memory_aggregates import FIRST, AggregateMemory

log = logging.getLogger(__name__)

REPLAY_MS = DAY + 2 * HOUR
MAX_GAP = 100_000  # ids; a bigger gap is not what open transactions leave
FOLD_CHUNK = 500  # rows folded per hold of the memory's lock (a few ms): a read waits for one chunk at most
_SELECT = {
    "room_event": f"SELECT id, {EVENT_MS}, type, coalesce(member_id, ''), coalesce(device_id, ''), coalesce(ip, ''), "
                  f"room_id, {COMMENT_KEY} FROM room_event",
    "risk_decision": f"SELECT id, {DECISION_MS}, {DECISION_TYPE}, member_id FROM risk_decision"}
_TIME = {"room_event": "occurred_at", "risk_decision": "created_at"}
# The next rows by id: from the first id after the cursor, a range of n ids (fewer rows where ids have
# gaps). Two-sided, so every plan walks the primary key: "id > $1 ORDER BY id LIMIT $2" was planned as a
# sort of the whole table whenever the statistics thought many rows were newer (16 ms for 325,000 rows).
_FIRST_AFTER = "(SELECT min(f.id) FROM {table} AS f WHERE f.id > %(after)s)"
_NEXT = {source: f"{sql} WHERE id >= {_FIRST_AFTER.format(table=source)} "
                 f"AND id < {_FIRST_AFTER.format(table=source)} + %(n)s ORDER BY id" for source, sql in _SELECT.items()}
_FIRST_SEEN = ("SELECT m, (SELECT floor(extract(epoch FROM min(e.occurred_at)) * 1000)::bigint FROM room_event AS e "
               "WHERE e.member_id = m AND e.occurred_at < to_timestamp(%(since)s / 1000.0) AND e.first_in_quarter) "
               "FROM unnest(CAST(%(members)s AS text[])) AS m")


class MemoryFollower:
    def __init__(self) -> None:
        self.memory = AggregateMemory()
        self.lock = threading.Lock()  # the memory's: held to fold a chunk of rows, or to read
        self._catching = threading.Lock()  # one catch-up at a time (the cursors and holes are its)
        self.in_background = False  # a thread catches up: reads take what is folded, without waiting
        self.replayed = False
        self.cursors: dict[str, int] | None = None
        self.holes = {source: IdHoles(max_gap=MAX_GAP) for source in _SELECT}
        self._pruned_at = time.monotonic()
        # called between folded chunks, the memory unlocked (risk/memory_process.py answers reads there)
        self.between_chunks: Callable[[], None] | None = None

    def catch_up(self) -> int:
        """Fold what is new in every source; rows folded."""
        with self._catching, get_engine().connect() as conn:
            raw = conn.connection.driver_connection
            try:
                if not self.replayed:
                    return self._replay(raw)
                return sum(self._follow(raw, source) for source in _SELECT)
            finally:
                raw.rollback()  # read only
                self._prune_if_due()

    def read(self, kinds: list[str], entities: list[str], at_ms: int) -> dict:
        """The aggregates of these entities at `at_ms`: caught up first, unless a thread keeps catching up
        (then what it has folded, at most about its interval behind)."""
        if not (self.in_background and self.replayed):
            self.catch_up()
        with self.lock:
            return self.memory.read(kinds, entities, at_ms)

    def _replay(self, raw: Driver) -> int:
        started = time.perf_counter()
        since_ms = int(time.time() * 1000) - REPLAY_MS
        self.cursors = {source: raw.execute(
            f"SELECT coalesce(min(id) - 1, (SELECT coalesce(max(id), 0) FROM {source})) FROM {source} "
            f"WHERE {_TIME[source]} >= to_timestamp(%(since)s / 1000.0)", {"since": since_ms}).fetchone()[0]
            for source in _SELECT}
        folded = sum(self._follow(raw, source) for source in _SELECT)
        with self.lock:
            members = [member for member, e in self.memory.entities["member"].items() if e[FIRST] >= since_ms]
        earlier = raw.execute(_FIRST_SEEN, {"since": since_ms, "members": members}).fetchall()
        with self.lock:
            for member, first_ms in earlier:
                if first_ms is not None:
                    self.memory.entities["member"][member][FIRST] = first_ms
        self.replayed = True
        log.info("risk memory: %d rows of the last %d h replayed in %.1f s", folded, REPLAY_MS // HOUR,
                 time.perf_counter() - started)
        return folded

    def _follow(self, raw: Driver, source: str) -> int:
        settings = get_settings()
        fold = self.memory.fold_events if source == "room_event" else self.memory.fold_decisions
        holes, folded = self.holes[source], 0
        if holes:
            # planned each time (unprepared): a generic plan cached while the table was small would read all of it
            found = raw.execute(f"{_SELECT[source]} WHERE id = ANY(%(ids)s)", {"ids": holes.ids()},
                                prepare=False).fetchall()
            self._fold(fold, found)
            holes.found(row[0] for row in found)
            folded += len(found)
            holes.give_up(time.monotonic() - settings.risk_memory_hole_wait_s)
        # small ranges once replayed: a scoring read waits for the range being fetched (risk/memory_process.py)
        n = settings.risk_memory_follow_rows if self.replayed else settings.risk_memory_read_rows
        while True:
            after = self.cursors[source]
            rows = raw.execute(_NEXT[source], {"after": after, "n": n}).fetchall()
            if not rows:
                return folded
            self._fold(fold, rows)
            for first, last in holes.passed(after, (row[0] for row in rows), time.monotonic()):
                # ids skipped in bulk (a sequence moved on by hand): not transactions still open
                log.warning("risk memory: %s ids %d..%d skipped", source, first, last)
            self.cursors[source] = rows[-1][0]
            folded += len(rows)  # on to the next range: one with gaps has fewer rows, and more may follow

    def _fold(self, fold, rows: list) -> None:
        """In chunks, so a read waits for one chunk at most."""
        for at in range(0, len(rows), FOLD_CHUNK):
            with self.lock:
                fold(rows[at:at + FOLD_CHUNK])
            if self.between_chunks is not None:
                self.between_chunks()

    def _prune_if_due(self) -> None:
        settings = get_settings()
        if time.monotonic() - self._pruned_at < settings.risk_prune_every_s:
            return
        self._pruned_at = time.monotonic()
        with self.lock:
            self.memory.prune(int(time.time() * 1000) - settings.risk_aggregate_keep_hours * HOUR)


_follower = MemoryFollower()


def follower() -> MemoryFollower:
    return _follower


def follow_in_background(every_s: float) -> threading.Thread:
    """Catch up every `every_s` on a daemon thread, so a grant's scoring finds little to fold."""
    def loop() -> None:
        while True:
            try:
                _follower.catch_up()
            except Exception:  # noqa: BLE001 - the database may be restarting: the next round retries
                log.exception("risk memory: catch-up failed")
            time.sleep(every_s)

    _follower.in_background = True
    thread = threading.Thread(target=loop, name="risk-memory", daemon=True)
    thread.start()
    return thread
