from bench.room_events import _tick_times

LINES = [
    "2026-12-03 08:43:05,918 INFO activities.campaign_tick tick bench bench-room-0: 2000 events, {'granted': 16} "
    "in 0.300 s (risk scoring 0.100 s; queued 0.010 s, paused 0.000 s; read 0.050 s, evaluate 0.080 s, "
    "grants 0.040 s, commit 0.020 s)",
    "2026-12-03 08:43:06,059 INFO activities.campaign_tick tick bench bench-room-1: 1000 events, {'granted': 3} "
    "in 0.700 s (risk scoring 0.200 s; queued 0.000 s, paused 0.100 s; read 0.330 s, evaluate 0.100 s, "
    "grants 0.060 s, commit 0.030 s)",
    "2026-12-03 08:43:06,100 INFO activities.campaign_tick tick other room-1: 1000 events, {} in 9.0 s "
    "(risk scoring 1.0 s; queued 0.0 s, paused 0.0 s)",  # not the benchmark's campaign
    # the log of an older worker, without phases, still counts
    "2026-12-03 08:43:07,000 INFO activities.campaign_tick tick bench bench-room-2: 10 events, {} in 0.100 s "
    "(risk scoring 0.000 s; queued 0.000 s, paused 0.000 s)",
]


def test_tick_times_sum_the_phases_of_the_benchmark_ticks(tmp_path):
    log = tmp_path / "worker.log"
    log.write_text("\n".join(LINES) + "\nunrelated line\n")
    figures = _tick_times(str(log))
    assert figures["ticks"] == 3
    assert figures["tick_s_total"] == 1.1
    assert figures["risk_scoring_s_total"] == 0.3
    assert figures["tick_phase_s_total"] == {"read": 0.4, "evaluate": 0.2, "grants": 0.1, "commit": 0.1}
    assert figures["tick_p50_s"] == 0.3 and figures["tick_p99_s"] == 0.7
    assert figures["tick_paused_s_total"] == 0.1
