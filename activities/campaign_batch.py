"""Tick batch size, adapted so a tick stays short (grants follow events closely) without starving.

A tick costs about fixed + per_event x events: the fixed part is mostly the one risk-scoring call,
the rest is reading and evaluating events. Both are learned per campaign run (smoothed) from past
ticks, and the next batch is what fits `campaign_tick_target_ms`: at least 500 events and at most
`campaign_tick_batch` per room. When the fixed part alone exceeds the target, small batches would
only pay it more often and fall further behind, so the batch grows to fill `campaign_tick_max_ms`
instead (well under the tick activity's 60 s limit). A retried tick (the previous attempt failed or
timed out) halves the batch per attempt, so an oversized batch can never time out forever.
While a backlog waits (the last tick read a full batch), ticks may grow to `campaign_tick_max_ms`:
each tick also pays a workflow round trip, a transaction and a scoring call, so fewer, bigger
ticks catch up sooner; once caught up, batches are small again.
Worker-local and advisory only: any batch size gives the same grants.
"""

import threading

from core.settings import get_settings

_costs: dict[tuple[str, str], tuple[float, float]] = {}  # (fixed seconds, seconds per event)
_behind: dict[tuple[str, str], bool] = {}  # the last tick read a full batch: a backlog is waiting
_lock = threading.Lock()
SMALLEST = 500


def batch_size(run_id: str, key: str, rooms: int = 1, attempt: int = 1) -> int:
    """Events per room for the next tick of `rooms` rooms together (attempt: the activity's attempt)."""
    settings = get_settings()
    largest = settings.campaign_tick_batch
    with _lock:
        cost = _costs.get((run_id, key))
    size = largest
    if cost is not None and cost[1] > 0:
        fixed, per_event = cost
        with _lock:
            behind = _behind.get((run_id, key), False)
        # caught up: short ticks, so grants follow events closely. Behind: each tick also pays the
        # workflow round trip, transaction and scoring call, so bigger ticks (up to the max) catch up sooner.
        room_for_events = (settings.campaign_tick_max_ms if behind else settings.campaign_tick_target_ms) / 1000 - fixed
        if room_for_events <= 0:  # scoring alone is over the target: bigger batches, bounded in time
            room_for_events = max(settings.campaign_tick_max_ms / 1000 - fixed, settings.campaign_tick_max_ms / 2000)
        size = min(largest, max(SMALLEST, int(room_for_events / per_event / max(1, rooms))))
    return max(min(largest, 50), size >> min(10, attempt - 1))


def learn_speed(run_id: str, key: str, events: int, seconds: float, fixed: float = 0.0, behind: bool = False) -> None:
    with _lock:
        _behind[(run_id, key)] = behind
    if events < 50:  # too few to say anything about the per-event cost
        return
    sample = (fixed, max(0.0, seconds - fixed) / events)
    with _lock:
        old = _costs.get((run_id, key))
        _costs[(run_id, key)] = sample if old is None else (0.7 * old[0] + 0.3 * sample[0],
                                                            0.7 * old[1] + 0.3 * sample[1])
