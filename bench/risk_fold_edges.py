"""The risk memory's fold at its edges: CPU per 5 s of event time, ordinarily and just after an edge.

    python -m bench.risk_fold_edges            # the session bench.room_events posts: 20,000 events/s, 300 s

Every watching viewer crosses a 5-minute pair grain's edge, and a 10-minute bucket's, within one heartbeat
interval of it, so the fold's work at an edge comes as a burst, in the process that answers the ticks'
scoring reads (risk/memory_process.py). The simulated session is folded twice, its times shifted so that
a grain edge inside a bucket falls halfway, then a bucket edge. Reported: for each, the 5 s before the
edge, the 5 s from it, the median 5 s and the fold's CPU an event. Then the scoring reads' CPU an entity
on what was folded: the device, IP, network and member of random viewers, in reads of 100 viewers, as a
tick's scoring asks them. No stack: the fold is plain Python over rows as the follower reads them
(risk/memory_follow.py).
"""

import argparse
import gc
import random
import statistics
import time
from datetime import datetime, timezone

from bench.room_events import _sessions
from bench.stack import emit
from domain.risk.features import BUCKET_MS, PAIR_GRAIN_MS
from risk.logfile import cached_network_of
from risk.memory_aggregates import AggregateMemory

FOLD_CHUNK = 500  # rows a fold call takes, as the follower's
FREEZE_EVERY = 8  # chunks: the child freezes what it holds after each catch-up, about 4,000 rows at this rate
SLICE_MS = 5_000
READ_VIEWERS, READ_BATCH = 4_000, 100


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


def _fold_slices(rows: list[tuple], shift_ms: int) -> tuple[dict[int, float], AggregateMemory]:
    """CPU seconds of folding each 5 s of event time, the times shifted by `shift_ms`; and what was folded."""
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
    return cpu, memory


def _read_batches(rows: list[tuple], viewers: int, seed: int) -> list[tuple[list[str], list[str]]]:
    """(kinds, entities) of `viewers` random viewers of the last rows, READ_BATCH viewers a read. The
    strings are new objects, as a read's arrive through the pipe (their hashes not yet computed)."""
    seen = sorted({r[3:6] for r in rows[-len(rows) // 10:] if r[3] and r[4] and r[5]})
    picked = random.Random(seed).sample(seen, min(viewers, len(seen)))
    batches = []
    for at in range(0, len(picked), READ_BATCH):
        kinds, entities = [], []
        for member, device, ip in picked[at:at + READ_BATCH]:
            for kind, entity in (("device", device), ("ip", ip), ("network", cached_network_of(ip)),
                                 ("member", member)):
                kinds.append(kind)
                entities.append((entity + ".")[:-1])
        batches.append((kinds, entities))
    return batches


def _read_us(memory: AggregateMemory, batches: list, *, at_ms: int) -> float:
    """CPU microseconds an entity read, the best of three passes over the batches."""
    entities, best = sum(len(kinds) for kinds, _ in batches), float("inf")
    for _ in range(3):
        started = time.process_time()
        for kinds, names in batches:
            memory.read(kinds, names, at_ms)
        best = min(best, time.process_time() - started)
    return best / entities * 1e6


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
        shift = _shift_to(rows, half, bucket_edge=bucket_edge)
        cpu, memory = _fold_slices(rows, shift)
        figures[f"{name}_before_edge_5s_cpu_s"] = round(cpu[half // SLICE_MS - 1], 3)
        figures[f"{name}_edge_5s_cpu_s"] = round(cpu[half // SLICE_MS], 3)
        figures[f"{name}_run_median_5s_cpu_s"] = round(statistics.median(cpu.values()), 3)
        figures[f"{name}_run_fold_us_per_event"] = round(sum(cpu.values()) / len(rows) * 1e6, 2)
    reads = _read_batches(rows, READ_VIEWERS, seed)
    figures["read_us_per_entity"] = round(_read_us(memory, reads, at_ms=rows[-1][1] + shift), 2)
    emit(figures)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of simulated session")
    parser.add_argument("--rate", type=int, default=20_000, help="events per second, all rooms together")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    main(args.duration, args.rate, args.seed)
