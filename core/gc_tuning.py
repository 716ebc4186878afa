"""Garbage-collector thresholds for the long-running processes (API, worker).

CPython's default (700, 10, 10) runs a collection every 700 net allocations and a full one every
100 of those. Intake parses thousands of event dicts per request and a tick builds thousands of
grant objects, so the API and the worker collected all the time, and each full collection walks
every live object (the worker's trigger state, the API's modules): at 20,000 events/s for a
minute, 9.2 s of the API's 21 s of CPU and 9.5 s of the worker's 25 s went to the collector.
Reference counting still frees almost everything at once; the collector is only for cycles,
which these processes make few of, so it can run far less often.
"""

import gc
import logging
import time

from core.settings import get_settings

log = logging.getLogger(__name__)
SLOW_COLLECTION_S = 0.1  # a pause this long shows in a tick's delay: logged, with its generation
_started: list[float] = []


def _time_collections(phase: str, info: dict) -> None:
    if phase == "start":
        _started[:] = [time.perf_counter()]
    elif _started:
        took = time.perf_counter() - _started[0]
        if took >= SLOW_COLLECTION_S:
            log.warning("garbage collection of generation %d took %.2f s (%d collected)", info["generation"], took,
                        info["collected"])


def tune_gc() -> tuple[int, ...]:
    """Apply LIVEPERKS_GC_THRESHOLDS ("gen0,gen1,gen2"; empty keeps CPython's) and move what
    start-up created out of the collector's way. Returns the thresholds in force."""
    raw = get_settings().gc_thresholds.strip()
    if raw:
        parts = raw.split(",")
        if len(parts) != 3 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
            raise ValueError(f"LIVEPERKS_GC_THRESHOLDS must be three positive integers, got {raw!r}")
        thresholds = tuple(int(p) for p in parts)
        gc.set_threshold(*thresholds)
        gc.freeze()  # modules, settings, the app: alive for the process's lifetime
    if _time_collections not in gc.callbacks:
        gc.callbacks.append(_time_collections)
    return gc.get_threshold()


def stop_timing_collections() -> None:
    """No more slow-collection warnings (a benchmark's last line must be its figures)."""
    if _time_collections in gc.callbacks:
        gc.callbacks.remove(_time_collections)
