"""Tick batch size per room, adapted so a tick stays short (grants follow events closely).

A fixed batch is either too small under load (many ticks, each paying fixed costs) or too large
(a tick of seconds delays every grant in it). Each room's tick speed (seconds per event, smoothed)
sizes its next batch to about `campaign_tick_target_ms`, at least 500 events and at most
`campaign_tick_batch`. Worker-local and advisory only: any batch size gives the same grants.
"""

import threading

from core.settings import get_settings

_per_event: dict[tuple[str, str], float] = {}
_lock = threading.Lock()
SMALLEST = 500


def batch_size(run_id: str, room_id: str, rooms: int = 1) -> int:
    """Events per room for the next tick of `rooms` rooms together."""
    settings = get_settings()
    with _lock:
        per_event = _per_event.get((run_id, room_id))
    largest = settings.campaign_tick_batch
    if not per_event:
        return largest
    wanted = int(settings.campaign_tick_target_ms / 1000 / per_event / max(1, rooms))
    return min(largest, max(SMALLEST, wanted))


def learn_speed(run_id: str, room_id: str, events: int, seconds: float) -> None:
    if events < 50:  # too few to say anything about the per-event cost
        return
    sample = seconds / events
    with _lock:
        old = _per_event.get((run_id, room_id))
        _per_event[(run_id, room_id)] = sample if old is None else 0.7 * old + 0.3 * sample
