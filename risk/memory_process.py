"""The worker's risk memory (risk/memory_follow.py) in a child process, read over socket pairs.

Why: folding 20,000 room events a second is about a third of a core of pure Python. In the worker's
own process that thread held the GIL for ~45 % of the time (py-spy --gil, bench.room_events), and
every campaign tick had to win the GIL back after each of its ~20 database round trips. In a child
the folding runs beside the ticks instead of between them; a tick pays one round trip to the child per
risk-scoring call. The child follows the database exactly as the in-process follower does, and
exits when the worker does (its ends of the sockets close); a child that died is started again on the
next read (a fresh one replays the last day first, as a starting worker does).
"""

import logging
import os
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection, wait

log = logging.getLogger(__name__)


def _serve(pipes: list[Connection], every_s: float) -> None:
    """The child, on one thread: answer each (kinds, entities, at_ms) with the aggregates, and catch up
    every `every_s`, answering reads that arrive meanwhile between its folded chunks (a reading thread
    beside a folding one waited for the GIL and for the memory's lock, which the folding thread took
    back chunk after chunk: a tick's risk scoring took 0.03-0.64 s under load). Each of the worker's
    reading threads has a channel (`pipes`) of its own, so reads waiting side by side are answered one
    after another without the child going back to its folding between them."""
    import gc

    from risk.memory_follow import follower

    memory = follower()
    memory.in_background = True  # reads take what is folded: this loop does the folding

    def answer(pipe: Connection) -> None:
        kinds, entities, at_ms = pipe.recv()
        try:
            pipe.send(("ok", memory.read(kinds, entities, at_ms)))
        except Exception as e:  # noqa: BLE001 - the database may be restarting: the caller's tick retries
            pipe.send(("error", f"{type(e).__name__}: {e}"))

    def answer_waiting() -> None:
        while memory.replayed and (ready := wait(pipes, 0)):
            for pipe in ready:
                answer(pipe)

    memory.between_chunks = answer_waiting
    due = time.monotonic()
    try:
        while True:
            if ready := wait(pipes, max(0.0, due - time.monotonic())):
                for pipe in ready:
                    answer(pipe)  # before the first replay, the read replays first
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
    """`read` as MemoryFollower's, answered by the child over `channels` socket pairs: a reading thread
    takes a free channel (or waits for one) for its read. Why several: over one, a tick's read queued
    behind the whole round trip of the read ahead of it, 18 ms on average at 20,000 events/s (the stress
    mix of bench.room_events), longer than the child took to answer. A child that does not answer within
    `read_timeout_s` (under a tick's 60 s limit) is killed, so a late answer can never be taken for
    another read's; the next read starts another child."""

    def __init__(self, every_s: float, read_timeout_s: float = 50.0, channels: int = 8) -> None:
        self.every_s, self.read_timeout_s, self.channels = every_s, read_timeout_s, channels
        self._lock = threading.Lock()  # the child, its free channels and its generation
        self._channel_freed = threading.Condition(self._lock)
        self._free: list[Connection] = []
        self._generation = 0  # a channel of an earlier child is closed when handed back, never reused
        self._process: subprocess.Popen | None = None

    def start(self) -> "MemoryProcess":
        # A fresh interpreter on this module (not multiprocessing's spawn, which would import the worker's
        # own main module, Temporal and all, into the child), talking over socket pairs it inherits.
        pairs = [socket.socketpair() for _ in range(self.channels)]
        fds = [theirs.fileno() for _, theirs in pairs]
        self._process = subprocess.Popen(
            [sys.executable, "-m", "risk.memory_process", ",".join(map(str, fds)), str(self.every_s)],
            pass_fds=fds, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        for _, theirs in pairs:
            theirs.close()
        self._free = [Connection(ours.detach()) for ours, _ in pairs]
        self._generation += 1
        return self

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _checkout(self) -> tuple[Connection, int]:
        with self._lock:
            while True:
                if not self.alive():
                    if self._process is not None:
                        log.warning("risk memory process exited (%s): starting another", self._process.returncode)
                    self._close_free()
                    self.start()
                    self._channel_freed.notify_all()
                if self._free:
                    return self._free.pop(), self._generation
                self._channel_freed.wait()

    def _checkin(self, pipe: Connection, generation: int, reusable: bool) -> None:
        with self._lock:
            if reusable and generation == self._generation:
                self._free.append(pipe)
                self._channel_freed.notify()
            else:
                pipe.close()

    def _close_free(self) -> None:
        for pipe in self._free:
            pipe.close()
        self._free = []

    def _kill(self, generation: int) -> None:
        with self._lock:
            if generation == self._generation and self._process is not None:
                self._process.kill()
                self._process.wait()
            self._channel_freed.notify_all()  # a thread waiting for a channel starts the next child

    def read(self, kinds: list[str], entities: list[str], at_ms: int) -> dict:
        pipe, generation = self._checkout()
        answered = False
        try:
            pipe.send((kinds, entities, at_ms))
            if not pipe.poll(self.read_timeout_s):
                self._kill(generation)
                raise RuntimeError(f"risk memory process did not answer in {self.read_timeout_s:g} s: killed")
            status, value = pipe.recv()
            answered = True
        except (EOFError, OSError) as e:
            raise RuntimeError("risk memory process lost while reading") from e
        finally:
            self._checkin(pipe, generation, answered)
        if status != "ok":
            raise RuntimeError(f"risk memory process: {value}")
        return value

    def stop(self) -> None:
        with self._lock:
            self._close_free()  # the child's channels close (those in use, as they are handed back): it exits
            self._generation += 1
            if self._process is not None:
                try:
                    self._process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            self._process = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None


_process: MemoryProcess | None = None


def follow_in_child(every_s: float, channels: int = 8) -> MemoryProcess:
    """Start the child; from now on the scorer in this process reads the aggregates from it."""
    global _process
    _process = MemoryProcess(every_s, channels=channels).start()
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
    _serve([Connection(int(fd)) for fd in sys.argv[1].split(",")], float(sys.argv[2]))
