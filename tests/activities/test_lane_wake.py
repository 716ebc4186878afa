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


def test_a_lingering_lanes_flag_is_set_by_its_rooms_intake_while_it_watches():
    r1, r2, other = unique("room"), unique("room"), unique("room")
    with lane_wake.notified_of([r1]) as flag:
        lane_wake.watch(flag, [r2])  # the lane of every room learns its rooms after its first tick
        lane_wake._take(other)
        assert not flag.is_set()
        lane_wake._take(r2)
        assert flag.is_set()
    flag.clear()
    lane_wake._take(r1)  # the lane has ended: nothing watches its rooms any more
    assert not flag.is_set() and r1 not in lane_wake._watching and r2 not in lane_wake._watching
