"""Tick batch size, adapted so a tick stays short (grants follow events closely) without starving.

A tick costs about fixed + per_event x events: the fixed part is the transaction, the campaign's
reads and one risk-scoring call's overhead (and, for a tick per activity, the workflow round trip);
everything else, scoring each grant included, grows with the events. Both parts are fitted per campaign
run from past ticks (a least-squares line, recent ticks weighted most), and the next batch is what fits
`campaign_tick_target_ms`: at least 500 events and at most `campaign_tick_batch` per room.
While a backlog waits (the last tick read a full batch) ticks may grow to `campaign_tick_max_ms`:
fewer, longer ticks pay the fixed part less often and catch up sooner, and the max bounds what that
adds to each grant's delay. A retried tick (the previous attempt failed or timed out) halves the
batch per attempt, so an oversized batch can never time out forever.
Worker-local and advisory only: any batch size gives the same grants.
"""

import threading
from dataclasses import dataclass

from core.settings import get_settings

SMALLEST = 500
DECAY = 0.8  # weight of the past per new tick: about the last five ticks count


@dataclass
class TickCosts:
    """Decayed sums over past ticks of (events n, seconds t) for the line t = fixed + per_event x n."""

    w: float = 0.0
    n: float = 0.0
    t: float = 0.0
    nn: float = 0.0
    nt: float = 0.0

    def add(self, events: int, seconds: float) -> None:
        d = DECAY
        self.w, self.n, self.t = d * self.w + 1, d * self.n + events, d * self.t + seconds
        self.nn, self.nt = d * self.nn + events * events, d * self.nt + events * seconds

    def line(self) -> tuple[float, float]:
        """(fixed seconds, seconds per event). Ticks of too alike sizes cannot separate the two: then
        everything counts per event (the smaller batch errs on the side of short ticks)."""
        mean_n, mean_t = self.n / self.w, self.t / self.w
        spread = self.nn / self.w - mean_n ** 2
        if spread > (0.1 * mean_n) ** 2:
            per_event = (self.nt / self.w - mean_n * mean_t) / spread
            fixed = mean_t - per_event * mean_n
            if per_event > 0 and 0 <= fixed <= mean_t:
                return fixed, per_event
        return 0.0, mean_t / mean_n


_costs: dict[tuple[str, str], TickCosts] = {}
_behind: dict[tuple[str, str], bool] = {}  # the last tick read a full batch: a backlog is waiting
_lock = threading.Lock()


def batch_size(run_id: str, key: str, rooms: int = 1, attempt: int = 1) -> int:
    """Events per room for the next tick of `rooms` rooms together (attempt: the activity's attempt)."""
    settings = get_settings()
    largest = settings.campaign_tick_batch
    with _lock:
        costs, behind = _costs.get((run_id, key)), _behind.get((run_id, key), False)
        line = costs.line() if costs is not None else None
    size = largest
    if line is not None:
        fixed, per_event = line
        target_s = (settings.campaign_tick_max_ms if behind else settings.campaign_tick_target_ms) / 1000
        # the fixed part alone over the target: half of it for events anyway, small ticks would only fall behind
        room_for_events = max(target_s - fixed, target_s / 2)
        size = min(largest, max(SMALLEST, int(room_for_events / per_event / max(1, rooms))))
    return max(min(largest, 50), size >> min(10, attempt - 1))


def learn_speed(run_id: str, key: str, events: int, seconds: float, behind: bool = False) -> None:
    with _lock:
        _behind[(run_id, key)] = behind
        if events >= 50:  # fewer say nothing about the per-event cost
            _costs.setdefault((run_id, key), TickCosts()).add(events, seconds)
