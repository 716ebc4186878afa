"""The risk memory in a child process (the worker's default) answers as the in-process follower does,
and a child that died is started again by the next read."""

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

import numpy as np
import pytest

from activities.risk_sim import write_events
from core.db import transaction
from risk.memory_follow import MemoryFollower
from risk.memory_process import MemoryProcess
from simulator.attackers import SimEvent
from tests.conftest import unique


def _likes(device: str, n: int) -> None:
    now = datetime.now(timezone.utc)
    with transaction() as conn:
        write_events(conn, [SimEvent("child-room", "like", unique("m"), device, "10.5.5.5", now, "t")
                            for _ in range(n)])


def _read_when(child: MemoryProcess, device: str, events: int, at_ms: int, timeout_s: float = 60) -> dict:
    """The child's aggregates for `device` once its background follower has folded `events` of them."""
    deadline = time.monotonic() + timeout_s
    while True:
        got = child.read(["device"], [device], at_ms)
        if got["events_24h"][0] == events or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


@contextmanager
def _child(**options) -> Iterator[MemoryProcess]:
    child = MemoryProcess(every_s=0.05, **options).start()
    try:
        yield child
    finally:
        child.stop()


def test_the_child_reads_what_this_process_folds(database_url):
    device = unique("child")
    _likes(device, 3)
    with _child() as child:
        at_ms = int(time.time() * 1000) + 1000
        got = _read_when(child, device, 3, at_ms)
        here = MemoryFollower()
        here.catch_up()
        np.testing.assert_equal(got, here.read(["device"], [device], at_ms))
        assert got["events_24h"][0] == 3
        _likes(device, 2)  # followed after the start, not only replayed
        # read at a time after these likes: counts sit in 10-minute buckets and a read takes the buckets that
        # start at or before its time, so likes written after a bucket edge past at_ms would never count
        later_ms = int(time.time() * 1000) + 1000
        assert _read_when(child, device, 5, later_ms)["events_24h"][0] == 5


def test_a_dead_child_is_started_again_on_the_next_read(database_url):
    device = unique("reborn")
    _likes(device, 2)
    with _child() as child:
        at_ms = int(time.time() * 1000) + 1000
        assert _read_when(child, device, 2, at_ms)["events_24h"][0] == 2
        first = child.pid
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while child.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _read_when(child, device, 2, at_ms)["events_24h"][0] == 2  # the new child replayed the day
        assert child.pid != first


def test_a_child_that_does_not_answer_is_killed_and_replaced(database_url):
    device = unique("stuck")
    _likes(device, 1)
    with _child() as child:  # a child starting up on a busy machine may take over a second to answer
        at_ms = int(time.time() * 1000) + 1000
        assert _read_when(child, device, 1, at_ms)["events_24h"][0] == 1
        stuck = child.pid
        os.kill(stuck, signal.SIGSTOP)
        normal, child.read_timeout_s = child.read_timeout_s, 1.0
        with pytest.raises(RuntimeError, match="did not answer"):
            child.read(["device"], [device], at_ms)
        assert not child.alive()
        child.read_timeout_s = normal
        assert _read_when(child, device, 1, at_ms)["events_24h"][0] == 1  # a new child, answers in step
        assert child.pid != stuck
