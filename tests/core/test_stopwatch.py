import time

from core.stopwatch import Stopwatch


def test_phases_add_up_per_name_and_summary_keeps_the_order_given():
    watch = Stopwatch()
    with watch.phase("read"):
        time.sleep(0.02)
    with watch.phase("read"):
        time.sleep(0.01)
    watch.add("grants", 0.5)
    watch.add("grants", -0.2)
    assert 0.03 <= watch.seconds["read"] < 0.5
    assert abs(watch.seconds["grants"] - 0.3) < 1e-9
    assert watch.summary(["grants", "commit"]) == "grants 0.300 s, commit 0.000 s"


def test_a_phase_that_raises_is_still_timed():
    watch = Stopwatch()
    try:
        with watch.phase("evaluate"):
            time.sleep(0.01)
            raise ValueError("boom")
    except ValueError:
        pass
    assert watch.seconds["evaluate"] >= 0.01
