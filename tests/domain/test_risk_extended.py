"""The extended block (context columns, long history) by hand, and that it only looks at the past."""

import numpy as np

from domain.risk.features import DAY, EventLog, FeatureSpec, compute

SPEC = FeatureSpec(context=("app", "channel"), long_ms=7 * DAY)


def _log(rows):  # (seconds, ip, app, channel)
    col = lambda i: np.array([str(r[i]) for r in rows], dtype=object)  # noqa: E731
    return EventLog(t_ms=np.array([int(r[0] * 1000) for r in rows], dtype=np.int64), keys={"ip": col(1)},
                    etype=np.full(len(rows), "", dtype=object), context={"app": col(2), "channel": col(3)})


ROWS = [(0, "1", "a", "x"), (60, "1", "a", "y"), (3 * 3600, "2", "a", "x"), (2 * 86400, "1", "b", "x"),
        (2 * 86400 + 10, "1", "a", "x")]


def test_extended_counts_gaps_and_distincts_by_hand():
    log = _log(ROWS)
    f = dict(zip(SPEC.names(), compute(log, log, SPEC)[4]))  # ip 1, app a, channel x, day 2 + 10 s
    assert f["entity_events_1h"] == 2 and f["entity_events_24h"] == 2 and f["entity_events_long"] == 4
    assert f["entity_gap_s"] == 10
    assert f["app_events_1h"] == 1 and f["app_events_long"] == 4  # a at 0, 60, 3 h and now
    assert f["entity_app_events_long"] == 3 and f["entity_app_gap_s"] == 2 * 86400 + 10 - 60
    assert f["entity_distinct_app_long"] == 2 and f["entity_distinct_channel_long"] == 2
    assert f["app_channel_events_24h"] == 1 and f["entity_app_channel_events_long"] == 2
    assert f["entity_app_channel_gap_s"] == 2 * 86400 + 10


def test_live_spec_has_no_extended_block():
    assert not any(n.startswith("entity_") for n in FeatureSpec(context=("app",)).names())


def test_a_row_sees_only_its_past():
    rng = np.random.default_rng(3)
    rows = sorted((float(rng.integers(0, 3 * 86400)), str(rng.integers(0, 20)), str(rng.integers(0, 5)),
                   str(rng.integers(0, 4))) for _ in range(400))
    log = _log(rows)
    full = compute(log, log, SPEC)
    cut = 250
    prefix = _log(rows[:cut + 1])
    alone = compute(prefix, _log(rows[cut:cut + 1]), SPEC)[0]
    assert np.array_equal(full[cut], alone)
