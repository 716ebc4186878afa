"""Hold back part of the machine's cores while a benchmark runs, to see how the stack fares on a slower hour.

Why: the shared VM of the figures runs about 1.45 times slower on some hours than on others, and a run
cannot choose its hour. A slower machine and one with fewer cores free are not the same thing (a slow core
stretches every step; a held-back core makes work wait for its turn), but both leave the stack less CPU per
second, and this one can be asked for on any hour: `--hold-back-cores 0.6` on a fast hour leaves the stack
about what a slow hour would (2 / 1.45 = 1.38 of 2 cores).

The load is one process per core, each busy for its share of every 10 ms or so and asleep the rest, so it
takes its cores evenly over time rather than in bursts, and it counts the CPU it got rather than the time it
spun, so it takes what was asked on a busy machine too. It runs as `python -m bench.cpu_load CORES` (a part
of its own for bench/cpu.py, so the cores it really took are measured, not assumed) and ends with its parent,
stopped or killed.
"""

import os
import subprocess
import sys
import time
from multiprocessing import Process

import psutil

from core.settings import PROJECT_ROOT

PERIOD_S = 0.010
MAX_OWED_S = 0.050


def _spin(share: float, parent: int) -> None:
    """Busy `share` of the time, in slices of at most a period, until the parent is gone. What it owes is
    counted in CPU time, not wall time: on a busy machine the scheduler lets it run less than it spins, and
    it then spins longer (up to MAX_OWED_S behind: a load starved for a while catches up in slices, not in one
    long burst)."""
    cpu_start, wall_start = time.thread_time(), time.monotonic()
    while os.getppid() == parent:
        owed = share * (time.monotonic() - wall_start) - (time.thread_time() - cpu_start)
        if owed > MAX_OWED_S:  # forgive the rest
            cpu_start -= owed - MAX_OWED_S
            owed = MAX_OWED_S
        if owed <= 0:
            time.sleep(min(-owed / share, PERIOD_S))
            continue
        until = time.thread_time() + min(owed, PERIOD_S * share)
        while time.thread_time() < until:
            pass


class HeldBack:
    """`with HeldBack(cores) as load:` (or start() and stop()) holds `cores` of the machine's cores back;
    `load.process` is the load's root process (None for 0 cores), to be measured as a part of its own."""

    def __init__(self, cores: float) -> None:
        cpus = os.cpu_count() or 1
        if not 0 <= cores < cpus:
            raise ValueError(f"can hold back 0 to fewer than {cpus} cores, not {cores}")
        self.cores = cores
        self.process: psutil.Process | None = None
        self._popen: subprocess.Popen | None = None

    def start(self) -> "HeldBack":
        if self.cores > 0:
            self._popen = subprocess.Popen([sys.executable, "-m", "bench.cpu_load", str(self.cores)],
                                           cwd=PROJECT_ROOT)
            self.process = psutil.Process(self._popen.pid)
        return self

    def stop(self) -> None:
        if self._popen is not None:
            self._popen.terminate()  # its spinning children see their parent gone within a period
            self._popen.wait(timeout=10)
            self._popen = self.process = None

    def __enter__(self) -> "HeldBack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(cores: float) -> None:
    """Until the benchmark that started it is gone (stopped, or killed before it could stop the load, which
    would otherwise spin on for good); then its spinners see their own parent gone."""
    cpus, owner = os.cpu_count() or 1, os.getppid()
    share, me = cores / cpus, os.getpid()
    spinners = [Process(target=_spin, args=(share, me), daemon=True) for _ in range(cpus)]
    for p in spinners:
        p.start()
    while os.getppid() == owner:
        time.sleep(0.2)


if __name__ == "__main__":
    main(float(sys.argv[1]))
