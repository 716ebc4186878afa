"""The worker's risk memory (risk/memory_follow.py) in a child process, read over a socket pair.

Why: folding 20,000 room events a second is about a third of a core of pure Python. In the worker's
own process that thread held the GIL for ~45 % of the time (py-spy --gil, bench.room_events), and
every campaign tick had to win the GIL back after each of its ~20 database round trips. In a child
the folding runs beside the ticks instead of between them; a tick pays one round trip to the child per
risk-scoring call. The child follows the database exactly as the in-process follower does, and
exits when the worker does (its end of the socket closes); a child that died is started again on the
next read (a fresh one replays the last day first, as a starting worker does).
"""

import logging
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection

from core.settings import PROJECT_ROOT

log = logging.getLogger(__name__)


def _serve(pipe: Connection, every_s: float) -> None:
    """The child, on one thread: answer each (kinds, entities, at_ms) with the aggregates, and catch up
    every `every_s`, answering reads that arrive meanwhile between its folded chunks (a reading thread
    beside a folding one waited for the GIL and for the memory's lock, which the folding thread took
    back chunk after chunk: a tick's risk scoring took 0.03-0.64 s under load)."""
    import gc

    from risk.memory_follow import follower

    memory = follower()
    memory.in_background = True  # reads take what is folded: this loop does the folding

    def answer() -> None:
        kinds, entities, at_ms = pipe.recv()
        try:
            pipe.send(("ok", memory.read(kinds, entities, at_ms)))
        except Exception as e:  # noqa: BLE001 - the database may be restarting: the caller's tick retries
            pipe.send(("error", f"{type(e).__name__}: {e}"))

    def answer_waiting() -> None:
        while memory.replayed and pipe.poll(0):
            answer()

    memory.between_chunks = answer_waiting
    due = time.monotonic()
    try:
        while True:
            if pipe.poll(max(0.0, due - time.monotonic())):
                answer()  # before the first replay, the read replays first
                continue
            try:
                memory.catch_up()
            except Exception:  # noqa: BLE001 - the database may be restarting: the next round retries
                log.exception("risk memory: catch-up failed")
            # The folded aggregates are millions of small, long-lived, acyclic objects (reference counting
            # frees what a prune drops): each collection walked them all for nothing (0 collected, pauses
            # of 0.2-0.35 s holding up every tick's read). Frozen, a collection walks what came since.
            gc.freeze()
            due = time.monotonic() + every_s
    except (EOFError, OSError):  # the worker is gone
        return


class MemoryProcess:
    """`read` as MemoryFollower's, answered by the child; one read at a time (each is a few ms).
    A child that does not answer within `read_timeout_s` (under a tick's 60 s limit) is killed, so a
    late answer can never be taken for the next read's; the next read starts another."""

    def __init__(self, every_s: float, read_timeout_s: float = 50.0) -> None:
        self.every_s, self.read_timeout_s = every_s, read_timeout_s
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._pipe: Connection | None = None

    def start(self) -> "MemoryProcess":
        # A fresh interpreter on this module (not multiprocessing's spawn, which would import the worker's
        # own main module, Temporal and all, into the child), talking over a socket pair it inherits.
        ours, theirs = socket.socketpair()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "risk.memory_process", str(theirs.fileno()), str(self.every_s)],
            pass_fds=[theirs.fileno()], cwd=PROJECT_ROOT)
        theirs.close()
        self._pipe = Connection(ours.detach())
        return self

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def read(self, kinds: list[str], entities: list[str], at_ms: int) -> dict:
        with self._lock:
            if not self.alive():
                if self._process is not None:
                    log.warning("risk memory process exited (%s): starting another", self._process.returncode)
                    self._pipe.close()
                self.start()
            try:
                self._pipe.send((kinds, entities, at_ms))
                if not self._pipe.poll(self.read_timeout_s):
                    self._process.kill()
                    self._process.wait()
                    raise RuntimeError(f"risk memory process did not answer in {self.read_timeout_s:g} s: killed")
                status, value = self._pipe.recv()
            except (EOFError, OSError) as e:
                raise RuntimeError("risk memory process lost while reading") from e
        if status != "ok":
            raise RuntimeError(f"risk memory process: {value}")
        return value

    def stop(self) -> None:
        with self._lock:
            if self._pipe is not None:
                self._pipe.close()  # the child's recv ends: it exits
            if self._process is not None:
                try:
                    self._process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            self._process = self._pipe = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None


_process: MemoryProcess | None = None


def follow_in_child(every_s: float) -> MemoryProcess:
    """Start the child; from now on the scorer in this process reads the aggregates from it."""
    global _process
    _process = MemoryProcess(every_s).start()
    return _process


def memory_source():
    """Where the scorer reads the in-memory aggregates: the child if one was started, else this process."""
    if _process is not None:
        return _process
    from risk.memory_follow import follower

    return follower()


if __name__ == "__main__":
    from core.gc_tuning import tune_gc

    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s (risk memory process) %(message)s")
    tune_gc()
    _serve(Connection(int(sys.argv[1])), float(sys.argv[2]))
