"""A busy room's ticks back to back inside one tick activity (TickInput.run_for_ms).

Why: a tick per activity cost a Temporal round trip each (schedule, dispatch, completion, a workflow
task): about a tenth of a core for ~9 ticks a second, and each tick's wait behind it. Polling this
often belongs in the activity, heartbeating as it goes. Each tick is still its own transaction with its
own cursor, so a worker that dies half-way loses nothing: the retried activity goes on from the cursor.
The loop ends on its own when the room goes quiet (the workflow then waits on a timer), when the
campaign is paused, stopped, ended or its rooms change (read from the database every tick), when the
workflow cancels it, or after run_for_ms.
"""

import time
from collections.abc import Callable

from temporalio import activity

from models.campaign_run import TickInput, TickResult


def keep_ticking(inp: TickInput, first: TickResult, tick: Callable[[int], TickResult], *,
                 clock: Callable[[], float] = time.monotonic) -> TickResult:
    """Tick again (tick(wait_ms)) while events keep coming: at once after a full batch, else
    busy_pause_ms after the previous tick started. Returns the ticks' totals; `idle` when the room had
    no events for idle_after_ms (from this activity's start when it began busy)."""
    started = clock()
    deadline, idle_s = started + inp.run_for_ms / 1000, inp.idle_after_ms / 1000
    last_events_at = started if inp.busy else None
    total = last = first
    while True:
        if last.events:
            last_events_at = clock()
        if last.status != "running" or last.rooms != first.rooms:
            return total
        if not last.more and (last_events_at is None or clock() - last_events_at >= idle_s):
            return total.model_copy(update={"idle": True})
        if clock() >= deadline or _heartbeat_finds_cancelled():
            return total
        last = tick(0 if last.more else max(0, inp.busy_pause_ms - last.elapsed_ms))
        total = total.then(last)


def _heartbeat_finds_cancelled() -> bool:
    """Heartbeat (the SDK throttles them), then whether the workflow cancelled this activity."""
    try:
        activity.heartbeat()
        return activity.is_cancelled()
    except RuntimeError:  # called directly, not as an activity
        return False
