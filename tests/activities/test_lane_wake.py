"""Which lanes a worker wakes on intake's notification (end to end: tests/workflows/test_campaign_workflow.py)."""

from activities import lane_wake
from core.db import libpq_url
from tests.conftest import unique


def test_only_lanes_handed_back_to_their_timer_are_woken_once_each():
    one, two, r1, r2 = unique("wf"), unique("wf"), unique("room"), unique("room")
    lane_wake.lane_waits(one, [r1, r2])
    lane_wake.lane_waits(two, [r1])
    lane_wake.lane_runs(two, [r1])  # ticking again: nothing to wake
    assert lane_wake._take(r1) == {one}
    assert lane_wake._take(r1) == set()  # once: the next wake needs the lane handed back again
    lane_wake.lane_runs(one, None)  # the lane of every room ticks again
    assert lane_wake._take(r2) == set()


def test_the_listener_connects_with_the_url_libpq_takes():
    assert libpq_url("postgresql+psycopg://u:p@h:5/db") == "postgresql://u:p@h:5/db"
    assert libpq_url("postgres://u@h/db") == "postgresql://u@h/db"
