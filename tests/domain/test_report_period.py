from datetime import date, datetime, timezone

import pytest

from domain.errors import BadInput
from domain.report_period import period, week_before, week_of


def test_week_before_a_monday_morning_in_shanghai():
    # Monday 2026-11-23 09:00 in Shanghai is 01:00 UTC.
    p = week_before(datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc), "Asia/Shanghai")
    assert (p.first, p.last) == (date(2026, 11, 16), date(2026, 11, 22))
    assert p.start == datetime(2026, 11, 15, 16, 0, tzinfo=timezone.utc)
    assert p.end == datetime(2026, 11, 22, 16, 0, tzinfo=timezone.utc)


def test_local_sunday_night_is_still_last_week_in_utc_terms():
    # Sunday 23:30 in Shanghai: the week before is the one that ended a week ago.
    p = week_before(datetime(2026, 11, 22, 15, 30, tzinfo=timezone.utc), "Asia/Shanghai")
    assert p.first == date(2026, 11, 9)


def test_previous_period_and_days():
    p = week_of(date(2026, 11, 18), "Asia/Shanghai")
    assert (p.first, p.days) == (date(2026, 11, 16), 7)
    assert (p.previous().first, p.previous().last) == (date(2026, 11, 9), date(2026, 11, 15))
    assert len(p.day_list()) == 7


@pytest.mark.parametrize("first, last, tz, message", [
    (date(2026, 1, 2), date(2026, 1, 1), "Asia/Shanghai", "before"),
    (date(2020, 1, 1), date(2026, 1, 1), "Asia/Shanghai", "at most"),
    (date(2026, 1, 1), date(2026, 1, 2), "Mars/Olympus", "time zone"),
])
def test_bad_periods_are_refused(first, last, tz, message):
    with pytest.raises(BadInput, match=message):
        period(first, last, tz)
