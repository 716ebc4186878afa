"""The extended block (offline logs: context columns, whole-log counts, next click) by hand; the base
block stays past-only next to it, and the live spec has no extended block."""

import numpy as np

from domain.risk.extended import extended_names
from domain.risk.features import DAY, EventLog, FeatureSpec, compute
from domain.risk.windows import KeyIndex

SPEC = FeatureSpec(context=("app", "channel"), long_ms=7 * DAY)
CAP_S = 7 * 86400


def _log(rows, context=("app", "channel")):  # (seconds, ip, *context values)
    col = lambda i: np.array([str(r[i]) for r in rows], dtype=object)  # noqa: E731
    return EventLog(t_ms=np.array([int(r[0] * 1000) for r in rows], dtype=np.int64), keys={"ip": col(1)},
                    etype=np.full(len(rows), "", dtype=object),
                    context={c: col(2 + i) for i, c in enumerate(context)})


ROWS = [(0, "1", "a", "x"), (60, "1", "a", "y"), (3 * 3600, "2", "a", "x"), (2 * 86400, "1", "b", "x"),
        (2 * 86400 + 10, "1", "a", "x")]


def test_whole_log_counts_next_clicks_and_distincts_by_hand():
    log = _log(ROWS)
    f = dict(zip(SPEC.names(), compute(log, log, SPEC)[0]))  # ip 1, app a, channel x, at 0 s
    assert f["hour_of_day"] == 0 and f["entity_events_all"] == 4 and f["entity_next_s"] == 60
    assert f["app_events_all"] == 4 and f["entity_app_events_all"] == 3 and f["entity_app_next_s"] == 60
    assert f["entity_distinct_app_all"] == 2 and f["entity_distinct_channel_all"] == 2
    assert f["channel_events_all"] == 4 and f["entity_channel_events_all"] == 3
    assert f["entity_channel_next_s"] == 2 * 86400
    assert f["app_channel_events_all"] == 3 and f["entity_app_channel_events_all"] == 2
    assert f["entity_app_channel_next_s"] == 2 * 86400 + 10
    assert f["entity_context_events_all"] == 2 and f["entity_context_gap_s"] == CAP_S
    assert f["entity_context_next_s"] == 2 * 86400 + 10 and f["entity_context_next2_s"] == CAP_S
    last = dict(zip(SPEC.names(), compute(log, log, SPEC)[4]))  # nothing after it
    assert last["entity_next_s"] == CAP_S and last["entity_context_gap_s"] == 2 * 86400 + 10
    assert dict(zip(SPEC.names(), compute(log, log, SPEC)[2]))["hour_of_day"] == 3


def test_all_contexts_but_one_next_click_with_four_columns():
    ctx = ("app", "os", "channel", "device")
    spec = FeatureSpec(context=ctx, long_ms=7 * DAY)
    log = _log([(0, "1", "a", "o", "x", "d"), (5, "1", "b", "o", "x", "d"), (9, "1", "a", "o", "y", "d")], ctx)
    f = dict(zip(spec.names(), compute(log, log, spec)[0]))
    assert f["entity_os_channel_device_next_s"] == 5  # without app: the 5 s click is the same combination
    assert f["entity_app_os_device_next_s"] == 9  # without channel: the 9 s click
    assert f["entity_app_os_channel_next_s"] == CAP_S and f["entity_context_next_s"] == CAP_S
    assert "entity_app_os_channel_device_next_s" not in spec.names()


def test_until_next_by_hand():
    index = KeyIndex(np.array([0, 0, 0, 1]), np.array([1000, 1000, 4000, 2000]), span=10**9)
    got = index.until_next(np.array([0, 0, 1, -1]), np.array([1000, 4000, 0, 0]), cap_ms=60_000)
    assert got.tolist() == [3.0, 60.0, 2.0, 60.0]  # strictly after t; unknown key and none left: the cap
    assert index.until_next(np.array([0]), np.array([0]), 60_000, nth=2).tolist() == [1.0]


def test_live_spec_has_no_extended_block():
    names = FeatureSpec(context=("app",)).names()
    assert not any(n.startswith("entity_") or n == "hour_of_day" for n in names)


def test_base_block_sees_only_the_past_and_the_extended_block_the_whole_log():
    rng = np.random.default_rng(3)
    rows = sorted((float(rng.integers(0, 3 * 86400)), str(rng.integers(0, 20)), str(rng.integers(0, 5)),
                   str(rng.integers(0, 4))) for _ in range(400))
    log = _log(rows)
    full = compute(log, log, SPEC)
    cut = 250
    alone = compute(_log(rows[:cut + 1]), _log(rows[cut:cut + 1]), SPEC)[0]
    base = len(SPEC.names()) - len(extended_names(SPEC.context, SPEC.long_ms))
    assert np.array_equal(full[cut, :base], alone[:base])
    assert not np.array_equal(full[cut, base:], alone[base:])  # later events count here
