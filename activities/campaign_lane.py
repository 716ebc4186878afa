"""A busy room's ticks back to back inside one tick activity (TickInput.run_for_ms).

Why: a tick per activity cost a Temporal round trip each (schedule, dispatch, completion, a workflow
task): about a tenth of a core for ~9 ticks a second, and each tick's wait behind it. Polling this
often belongs in the activity, heartbeating as it goes. Each tick is still its own transaction with its
own cursor, so a worker that dies half-way loses nothing: the retried activity goes on from the cursor.
The loop ends on its own when the room goes quiet (the workflow then waits on a timer), when the
campaign is paused, stopped, ended or its rooms change (read from the database every tick), when the
workflow cancels it, or after run_for_ms.

With a probe, a lane whose last tick found nothing waits for its rooms' intake to notify (the worker's
listener, activities/lane_wake.py; without one, an index lookup a pause apart: any events after the
lane's cursors?) instead of ticking, ticks as soon as events come, and stays for `linger_s` after its
room's last events. Why: handing back after a second of quiet left a sparse room's
next event waiting for the workflow's timer, which the server fires on whole seconds (1-2 s).
"""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import text
from temporalio import activity

from activities import lane_wake
from core.db import get_engine
from core.settings import get_settings
from models.campaign_run import TickInput, TickResult


@dataclass
class LaneCursors:
    """Where a lane's last committed tick left its rooms (room -> last room_event.id evaluated), and the
    campaign window it read: the lane's probe in place of a whole tick for a lane that found nothing."""

    rooms: dict[str, int] = field(default_factory=dict)
    start: datetime | None = None
    end: datetime | None = None
    notified: threading.Event | None = None  # set by the worker's listener on its rooms' intake

    def wait_for_events(self, timeout_s: float) -> bool:
        """Wait up to timeout_s for the rooms' intake to notify (activities/lane_wake.py); while no listener
        is connected, sleep, then probe the database (has_events_after). A notification lost with a
        connection is caught by the lane's tick once an interval."""
        if self.notified is not None and lane_wake.listening():
            if self.notified.wait(timeout_s):
                self.notified.clear()
                return True
            return False
        time.sleep(timeout_s)
        return self.has_events_after()

    def has_events_after(self) -> bool:
        """Whether a room has events in the window after its cursor: one probe of ix_room_event_room_id_id
        per room. Within a room, ids grow in commit order (activities/intake.py): nothing committed
        later can hide below a cursor."""
        if not self.rooms:
            return True
        with get_engine().connect() as conn:
            return conn.execute(text(
                "SELECT EXISTS (SELECT 1 FROM unnest(CAST(:r AS text[]), CAST(:a AS bigint[])) AS c(room_id, after) "
                "WHERE EXISTS (SELECT 1 FROM room_event e WHERE e.room_id = c.room_id AND e.id > c.after "
                "AND e.occurred_at >= :start AND e.occurred_at < :end))"),
                {"r": list(self.rooms), "a": list(self.rooms.values()), "start": self.start,
                 "end": self.end}).scalar_one()


@lru_cache
def _linger_permits() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(max(1, get_settings().worker_max_activities // 2))


@contextmanager
def may_linger() -> Iterator[bool]:
    """Whether this lane may linger (and probe): at most half of the process's activity slots go to
    lingering lanes; the others hand back after one quiet interval, as before lingering."""
    permits = _linger_permits()
    got = permits.acquire(blocking=False)
    try:
        yield got
    finally:
        if got:
            permits.release()


def keep_ticking(inp: TickInput, first: TickResult, tick: Callable[[int], TickResult], *,
                 probe: Callable[[float], bool] | None = None, linger_s: float = 0.0,
                 clock: Callable[[], float] = time.monotonic) -> TickResult:
    """Tick again (tick(wait_ms)) while events keep coming: at once after a full batch, else
    busy_pause_ms after the previous tick started. Returns the ticks' totals; `idle` when the room had
    no events for idle_after_ms (with a probe: linger_s) counted from this activity's start when it began
    busy. With a probe (probe(s): wait up to s seconds, whether events came), a tick that found nothing is
    followed by probes of a pause each; a tick comes when one finds events, and at least every
    idle_after_ms (the tick reads pause, stop and spec updates)."""
    started = clock()
    deadline, idle_s = started + inp.run_for_ms / 1000, inp.idle_after_ms / 1000
    quiet_limit_s = max(idle_s, linger_s) if probe else idle_s
    last_events_at = started if inp.busy else None
    total = last = first
    while True:
        if last.events:
            last_events_at = clock()
        if last.status != "running" or last.rooms != first.rooms:
            return total
        if not last.more and (last_events_at is None or clock() - last_events_at >= quiet_limit_s):
            return total.model_copy(update={"idle": True})
        if clock() >= deadline or _heartbeat_finds_cancelled():
            return total
        if probe is not None and not last.more and not last.events:
            outcome = _probe_until_events(probe, tick_by=clock() + idle_s, quiet_until=last_events_at + quiet_limit_s,
                                          deadline=deadline, pause_s=inp.busy_pause_ms / 1000, clock=clock)
            if outcome == "idle":
                return total.model_copy(update={"idle": True})
            if outcome == "over":
                return total
            last = tick(0)
        else:
            last = tick(0 if last.more else max(0, inp.busy_pause_ms - last.elapsed_ms))
        total = total.then(last)


def _probe_until_events(probe: Callable[[float], bool], *, tick_by: float, quiet_until: float, deadline: float,
                        pause_s: float, clock: Callable[[], float]) -> str:
    """Probe, a pause at a time. 'tick': the probe found events, or a tick is due anyway; 'idle': quiet
    for long enough; 'over': run_for_ms is up or the workflow cancelled the activity."""
    while True:
        if probe(pause_s):
            return "tick"
        now = clock()
        if now >= quiet_until:
            return "idle"
        if now >= deadline or _heartbeat_finds_cancelled():
            return "over"
        if now >= tick_by:
            return "tick"


def _heartbeat_finds_cancelled() -> bool:
    """Heartbeat (the SDK throttles them), then whether the workflow cancelled this activity."""
    try:
        activity.heartbeat()
        return activity.is_cancelled()
    except RuntimeError:  # called directly, not as an activity
        return False
