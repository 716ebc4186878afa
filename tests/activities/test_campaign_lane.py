"""The lane loop on its own: when it ticks again, how long it waits, and when it hands back to the
workflow (a scripted tick function and clock; the real ticks are in tests/workflows)."""

from activities import campaign_lane
from activities.campaign_lane import keep_ticking
from core.settings import get_settings
from models.campaign_run import TickInput, TickResult


class Script:
    """Ticks that return the scripted results in turn, each taking `tick_s` of a fake clock after its wait."""

    def __init__(self, results: list[TickResult], tick_s: float = 0.05):
        self.results, self.tick_s, self.now, self.waits = list(results), tick_s, 0.0, []

    def clock(self) -> float:
        return self.now

    def tick(self, wait_ms: int) -> TickResult:
        self.waits.append(wait_ms)
        self.now += wait_ms / 1000 + self.tick_s
        return self.results.pop(0)


def _inp(**kw) -> TickInput:
    return TickInput(campaign_id="c", room_id="r", run_for_ms=20_000, busy_pause_ms=200, idle_after_ms=1000, **kw)


def _res(events: int = 0, **kw) -> TickResult:
    return TickResult(status="running", events=events, grants={"granted": events} if events else {},
                      rooms=["r"], elapsed_ms=50, **kw)


def test_a_quiet_room_after_an_idle_wait_hands_back_at_once():
    script = Script([])
    out = keep_ticking(_inp(), _res(0), script.tick, clock=script.clock)
    assert out.idle and out.ticks == 1 and script.waits == []


def test_busy_ticks_start_a_pause_apart_until_the_room_is_quiet_for_an_interval():
    script = Script([_res(5), _res(0)] + [_res(0)] * 20)
    out = keep_ticking(_inp(), _res(3), script.tick, clock=script.clock)
    assert out.idle and out.events == 8 and out.grants == {"granted": 8}
    assert set(script.waits) == {150}  # the pause less the previous tick's 50 ms
    # the last events came with the second tick (t = 0.2 s); quiet from then on for 1 s: ticks at 0.2 s steps
    assert out.ticks == 1 + len(script.waits) and 1.0 <= script.now - 0.2 < 1.2 + 0.2


def test_a_full_batch_is_followed_at_once():
    script = Script([_res(10, more=True), _res(2), _res(0)] + [_res(0)] * 10)
    keep_ticking(_inp(), _res(10, more=True), script.tick, clock=script.clock)
    assert script.waits[:2] == [0, 0] and script.waits[2] == 150


def test_a_busy_lane_counts_quiet_from_the_activity_start():
    """The workflow says the lane was busy: a first empty tick is not yet quiet (intake commits in clumps)."""
    script = Script([_res(0), _res(4)] + [_res(0)] * 20)
    out = keep_ticking(_inp(busy=True), _res(0), script.tick, clock=script.clock)
    assert out.events == 4 and out.idle and out.ticks > 3


def test_it_hands_back_after_run_for_ms_while_still_busy():
    script = Script([_res(1)] * 200)
    out = keep_ticking(_inp(), _res(1), script.tick, clock=script.clock)
    assert not out.idle and 20.0 <= script.now < 20.3 and out.events == out.ticks


def test_pause_stop_end_or_new_rooms_end_the_loop_at_once():
    for last in (TickResult(status="paused", rooms=["r"]), TickResult(status="stopped", rooms=["r"]),
                 TickResult(status="ended", rooms=["r"]), _res(1).model_copy(update={"rooms": ["r", "s"]})):
        script = Script([_res(2), last, _res(9)])
        out = keep_ticking(_inp(), _res(1), script.tick, clock=script.clock)
        assert out.ticks == 3 and out.status == last.status and out.rooms == last.rooms and not out.idle


class Probed(Script):
    """A script whose room gets new events at the given times (fake clock); the probe sees them until a
    tick takes them, and counts its calls."""

    def __init__(self, results: list[TickResult], arrivals: list[float], tick_s: float = 0.05):
        super().__init__(results, tick_s)
        self.arrivals, self.probes, self.ticked_at = sorted(arrivals), 0, []

    def probe(self, timeout_s: float) -> bool:
        self.probes += 1
        self.now += timeout_s
        return any(t <= self.now for t in self.arrivals)

    def tick(self, wait_ms: int) -> TickResult:
        self.now += wait_ms / 1000
        found = [t for t in self.arrivals if t <= self.now]
        self.arrivals = [t for t in self.arrivals if t > self.now]
        self.ticked_at.append(self.now)
        self.waits.append(wait_ms)
        self.now += self.tick_s
        return _res(len(found))


def _probed(script: Probed, first: TickResult, linger_s: float = 10.0, **kw) -> TickResult:
    return keep_ticking(_inp(**kw), first, script.tick, probe=script.probe, linger_s=linger_s, clock=script.clock)


def test_with_a_probe_a_sparse_rooms_event_is_ticked_within_a_pause_not_a_timer():
    arrivals = [2.0, 4.5, 7.9]
    script = Probed([], arrivals)
    out = _probed(script, _res(2))
    assert out.events == 2 + 3 and out.idle
    for t in arrivals:  # each event is ticked within a pause (plus a probe step) of its arrival
        assert any(t <= at < t + 0.25 for at in script.ticked_at), (t, script.ticked_at)
    # quiet for linger_s after the last events (t = 7.9 s), then back to the workflow
    assert 7.9 + 10.0 <= script.now < 7.9 + 10.0 + 0.3


def test_a_quiet_lane_probes_instead_of_ticking_but_still_ticks_every_interval():
    script = Probed([], [])
    out = _probed(script, _res(1))
    assert out.idle and out.events == 1
    # 10 s of quiet: ~5 probes a second, a whole tick only about once a second (pause, stop, spec updates)
    assert script.probes >= 40 and 8 <= len(script.ticked_at) <= 11


def test_with_a_probe_a_lane_woken_by_its_timer_that_finds_nothing_still_hands_back_at_once():
    script = Probed([], [])
    out = _probed(script, _res(0))
    assert out.idle and script.probes == 0 and script.ticked_at == []


def test_a_lingering_lane_hands_back_after_run_for_ms_not_idle():
    script = Probed([], [5.0, 12.0, 19.0])
    out = _probed(script, _res(1))
    assert not out.idle and out.events == 4 and 20.0 <= script.now < 20.3


def test_at_most_half_of_the_workers_activity_slots_linger(monkeypatch):
    monkeypatch.setattr(get_settings(), "worker_max_activities", 6)
    campaign_lane._linger_permits.cache_clear()
    try:
        with campaign_lane.may_linger() as a, campaign_lane.may_linger() as b, campaign_lane.may_linger() as c:
            with campaign_lane.may_linger() as d:
                assert (a, b, c, d) == (True, True, True, False)
        with campaign_lane.may_linger() as again:  # permits come back when their lanes end
            assert again
    finally:
        campaign_lane._linger_permits.cache_clear()
