"""The tick batch: the fixed and per-event parts of a tick's time fitted from past ticks, and the batch
that fits the target (or the max while a backlog waits)."""

import pytest

from activities.campaign_batch import SMALLEST, TickCosts, batch_size, learn_speed
from core.settings import get_settings


def test_the_line_separates_the_fixed_part_from_the_per_event_part():
    costs = TickCosts()
    for n in (2_000, 9_000, 4_000, 12_000, 6_000, 3_000):
        costs.add(n, 0.12 + 40e-6 * n)
    fixed, per_event = costs.line()
    assert fixed == pytest.approx(0.12, rel=1e-6) and per_event == pytest.approx(40e-6, rel=1e-6)


def test_ticks_of_one_size_count_everything_per_event():
    costs = TickCosts()
    for _ in range(5):
        costs.add(8_000, 0.5)
    assert costs.line() == (0.0, pytest.approx(0.5 / 8_000))


def test_the_batch_fits_the_target_and_grows_to_the_max_only_while_behind():
    settings = get_settings()
    run = "batch-test"
    for n in (2_000, 8_000, 4_000, 10_000):
        learn_speed(run, "", n, 0.05 + 100e-6 * n)
    target_events = (settings.campaign_tick_target_ms / 1000 - 0.05) / 100e-6
    expected = min(settings.campaign_tick_batch, max(SMALLEST, target_events))
    assert batch_size(run, "", rooms=1) == pytest.approx(expected, abs=1)
    learn_speed(run, "", 10_000, 0.05 + 100e-6 * 10_000, behind=True)
    behind_events = (settings.campaign_tick_max_ms / 1000 - 0.05) / 100e-6 / 4
    assert batch_size(run, "", rooms=4) == pytest.approx(min(settings.campaign_tick_batch, behind_events), abs=1)
    assert batch_size(run, "", rooms=4, attempt=3) == batch_size(run, "", rooms=4) >> 2
