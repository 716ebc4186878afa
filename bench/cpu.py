"""CPU used by each part of a benchmark's stack over a stretch of the run, in cores (CPU seconds per
wall second): where the machine's cores went, without an ad-hoc script beside the run.

PostgreSQL is the postmaster on the stack's port and its children (backends, WAL writer, ...); a part
may be a process inside another part's tree (the worker's risk memory child), and then counts apart.
Temporal is the dev server on its port. A root's children that exit inside the stretch still count:
their CPU moves into the root's reaped-children times when it waits for them (PostgreSQL's autovacuum
workers live a few seconds each, and taken for `elsewhere` they hid a burst every minute). Deeper
descendants that exit take their CPU with them.

`machine()` says what the parts could not have used: the cores left idle, the cores the hypervisor
gave to other guests while this one had work (steal; 0 on bare metal), and the cores busy outside the
parts (elsewhere: another program on the machine, and interrupts). On a shared virtual machine a run
with steal is a slower machine, and a run with cores elsewhere shared the machine: neither's figures
are comparable to a quiet run's.

`python_loop_us()` times a fixed loop of Python on this thread's own CPU clock: how fast the cores are at
that moment, which on a shared virtual machine swings within the hour (the same run's parts then all
take longer), apart from how busy they are.
"""

import time
from collections.abc import Iterable
from dataclasses import dataclass

import psutil


def _listening_on(port: int) -> psutil.Process | None:
    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
                return psutil.Process(conn.pid)
    except psutil.Error:  # another user's sockets, without the right to see them
        pass
    return None


def _tree(root: psutil.Process | None, apart: set[int] = frozenset()) -> list[psutil.Process]:
    """The root and its descendants, less the subtrees rooted at the pids `apart` (parts of their own)."""
    if root is None:
        return []
    try:
        out, stack = [], [root]
        while stack:
            p = stack.pop()
            out.append(p)
            stack += [c for c in p.children() if c.pid not in apart]
        return out
    except psutil.Error:
        return []


def python_loop_us(n: int = 20_000, repeat: int = 3) -> float:
    """The best of `repeat` timings of adding up n ints in a Python loop, in microseconds of this thread's
    CPU time (time spent waiting for a core does not count, a slower core does)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.thread_time()
        total = 0
        for i in range(n):
            total += i
        best = min(best, time.thread_time() - started)
    return round(best * 1e6, 1)


def _cpu_seconds(procs: Iterable[psutil.Process]) -> dict[int, float]:
    out = {}
    for p in procs:
        try:
            t = p.cpu_times()
            out[p.pid] = t.user + t.system
        except psutil.Error:
            pass
    return out


@dataclass(frozen=True)
class _PartSample:
    seconds: dict[int, float]  # CPU seconds of each live process of the part
    children: frozenset[int] = frozenset()  # the root's children: their CPU goes to `reaped` when they exit
    reaped: float | None = None  # CPU seconds of the root's children that exited and were waited for (None: unknown)


def _part_sample(root: psutil.Process, apart: set[int]) -> _PartSample:
    """The part's processes (`_tree`), walked from the root's children, which are the ones to watch exit."""
    try:
        children = [c for c in root.children() if c.pid not in apart]
        t = root.cpu_times()
    except psutil.Error:
        return _PartSample({})
    procs = [root] + [p for child in children for p in _tree(child, apart)]
    return _PartSample(_cpu_seconds(procs), frozenset(c.pid for c in children), t.children_user + t.children_system)


def _part_cores(before: dict[str, _PartSample], after: dict[str, _PartSample], elapsed: float) -> dict:
    def cpu(b: _PartSample, a: _PartSample) -> float:
        live = sum(s - b.seconds.get(pid, 0.0) for pid, s in a.seconds.items())
        if a.reaped is None or b.reaped is None:  # the root gone, or the bench itself: live processes only
            return live
        exited = sum(b.seconds[pid] for pid in b.children if pid not in a.seconds and pid in b.seconds)
        return live + (a.reaped - b.reaped) - exited  # an exited child: its whole CPU is reaped, less what was counted

    return {name: round(cpu(before[name], a) / elapsed, 2) for name, a in after.items()}


def _machine_cores(before, after, elapsed: float, parts: dict[str, float]) -> dict[str, float]:
    """Idle, steal and elsewhere: the machine's busy cores less those of the parts."""
    def cores(*names: str) -> float:
        return sum(getattr(after, name, 0.0) - getattr(before, name, 0.0) for name in names) / elapsed

    busy = cores("user", "nice", "system", "irq", "softirq")
    return {"idle": round(cores("idle"), 2), "steal": round(cores("steal"), 2),
            "elsewhere": round(max(0.0, busy - sum(parts.values())), 2)}


class CpuMeter:
    """`start()`, then `cores()`: {part: cores used since the start}, "bench" being this process. Parts
    are given as root processes (their children count with them) or as ports whose listening process
    is the root; a part whose process is not found is left out."""

    def __init__(self, *, processes: dict[str, psutil.Process | None], ports: dict[str, int]) -> None:
        found = dict(processes) | {name: _listening_on(port) for name, port in ports.items()}
        self.roots = {name: root for name, root in found.items() if root is not None}  # not found: left out
        self.self_root = psutil.Process()

    def _sample(self) -> dict[str, _PartSample]:
        roots = {root.pid for root in self.roots.values()}  # a part inside another's tree counts on its own
        parts = {name: _part_sample(root, roots - {root.pid}) for name, root in self.roots.items()}
        parts["bench"] = _PartSample(_cpu_seconds([self.self_root]))  # its children are parts of their own
        return parts

    def start(self) -> "CpuMeter":
        self.started, self.before, self.machine_before = time.monotonic(), self._sample(), psutil.cpu_times()
        self._lap = (self.started, self.before, self.machine_before)
        return self

    def cores(self) -> dict[str, float]:
        return _part_cores(self.before, self._sample(), time.monotonic() - self.started)

    def _since(self, at: float, before: dict, machine_before) -> tuple[tuple, dict[str, float], dict[str, float]]:
        """(this sample, to start a next stretch from; the parts' cores; the machine's) since `at`."""
        now, after, machine_after = time.monotonic(), self._sample(), psutil.cpu_times()
        parts = _part_cores(before, after, now - at)
        return (now, after, machine_after), parts, _machine_cores(machine_before, machine_after, now - at, parts)

    def machine(self) -> dict[str, float]:
        """{"idle": cores, "steal": cores, "elsewhere": cores} machine-wide since the start."""
        return self._since(self.started, self.before, self.machine_before)[2]

    def lap(self) -> dict[str, float]:
        """{part: cores, "idle": cores, "steal": cores, "elsewhere": cores} since the last lap (or the start):
        called every few seconds, a series that says which part, or what outside the stack, took the cores
        when a run slowed down for a while."""
        self._lap, parts, machine = self._since(*self._lap)
        return parts | machine
