"""The risk memory's fold at its edges: CPU per 5 s of event time, ordinarily and just after an edge.

    python -m bench.risk_fold_edges            # the session bench.room_events posts: 20,000 events/s, 300 s

Every watching viewer crosses a 5-minute pair grain's edge, and a 10-minute bucket's, within one heartbeat
interval of it, so the fold's work at an edge comes as a burst, in the process that answers the ticks'
scoring reads (risk/memory_process.py). The simulated session is folded twice, its times shifted so that
a grain edge inside a bucket falls halfway, then a bucket edge. Reported: for each, the 5 s before the
edge, the 5 s from it, the median 5 s and the fold's CPU an event. No stack: the fold is plain Python
over rows as the follower reads them (risk/memory_follow.py).
"""

import argparse
import gc
import statistics
import time
from datetime import datetime, timezone

from bench.room_events import _sessions
from bench.stack import emit
from domain.risk.features import BUCKET_MS, PAIR_GRAIN_MS
from risk.memory_aggregates import AggregateMemory

FOLD_CHUNK = 500  # rows a fold call takes, as the follower's
FREEZE_EVERY = 8  # chunks: the child freezes what it holds after each catch-up, about 4,000 rows at this rate
SLICE_MS = 5_000


def _rows(duration_s: float, rate: int, seed: int) -> list[tuple]:
    """The session as the follower's rows: (id, t_ms, type, member, device, ip, room, comment key), in time order."""
    start = datetime(2026, 12, 4, tzinfo=timezone.utc)
    rows = []
    for session in _sessions([f"bench-room-{i}" for i in range(4)], rate, duration_s, start, seed):
        for e in session:
            t_ms = int(datetime.fromisoformat(e["occurred_at"]).timestamp() * 1000)
            text = (e.get("payload") or {}).get("text", "") if e["type"] == "comment" else ""
            rows.append((0, t_ms, e["type"], e.get("member_id") or "", e.get("device_id") or "", e.get("ip") or "",
                         e["room_id"], text.strip().lower()[:200]))
    rows.sort(key=lambda r: r[1])
    return rows


def _fold_slices(rows: list[tuple], shift_ms: int) -> dict[int, float]:
    """CPU seconds of folding each 5 s of event time, the times shifted by `shift_ms`."""
    memory, cpu = AggregateMemory(), {}
    first = rows[0][1]
    gc.collect()
    for n, at in enumerate(range(0, len(rows), FOLD_CHUNK)):
        if n % FREEZE_EVERY == 0:
            gc.freeze()  # as the child does (risk/memory_process.py): collections skip what is folded
        chunk = [(i, t + shift_ms, *rest) for i, t, *rest in rows[at:at + FOLD_CHUNK]]
        started = time.process_time()
        memory.fold_events(chunk)
        key = (chunk[0][1] - shift_ms - first) // SLICE_MS
        cpu[key] = cpu.get(key, 0.0) + time.process_time() - started
    return cpu


def _shift_to(rows: list[tuple], edge_at_ms: int, *, bucket_edge: bool) -> int:
    """The shift that puts a grain edge inside a bucket (or a bucket edge) `edge_at_ms` into the rows."""
    target = rows[0][1] + edge_at_ms
    period = BUCKET_MS if bucket_edge else PAIR_GRAIN_MS
    edge = target - target % period + period
    if not bucket_edge and edge % BUCKET_MS == 0:
        edge += PAIR_GRAIN_MS
    return edge - target


def main(duration_s: float, rate: int, seed: int) -> None:
    rows = _rows(duration_s, rate, seed)
    half = int(duration_s * 1000) // 2 // SLICE_MS * SLICE_MS
    figures = {"events": len(rows), "viewers": len({r[3:7] for r in rows})}
    for name, bucket_edge in (("grain", False), ("bucket", True)):
        cpu = _fold_slices(rows, _shift_to(rows, half, bucket_edge=bucket_edge))
        figures[f"{name}_before_edge_5s_cpu_s"] = round(cpu[half // SLICE_MS - 1], 3)
        figures[f"{name}_edge_5s_cpu_s"] = round(cpu[half // SLICE_MS], 3)
        figures[f"{name}_run_median_5s_cpu_s"] = round(statistics.median(cpu.values()), 3)
        figures[f"{name}_run_fold_us_per_event"] = round(sum(cpu.values()) / len(rows) * 1e6, 2)
    emit(figures)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of simulated session")
    parser.add_argument("--rate", type=int, default=20_000, help="events per second, all rooms together")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    main(args.duration, args.rate, args.seed)
