"""Report periods: local dates in the operator's time zone, turned into UTC bounds [start, end)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.errors import BadInput

MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    first: date  # inclusive local day
    last: date  # inclusive local day
    timezone: str

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), ZoneInfo(self.timezone))

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), ZoneInfo(self.timezone))

    def previous(self) -> "Period":
        """The period of the same length just before (week over week for weekly reports)."""
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1), self.timezone)

    def day_list(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days)]


def period(first: date, last: date, timezone: str) -> Period:
    try:
        ZoneInfo(timezone)
    except Exception as error:  # ZoneInfoNotFoundError, ValueError for odd names
        raise BadInput(f"unknown time zone {timezone!r}") from error
    if last < first:
        raise BadInput(f"--to {last} is before --from {first}")
    if (last - first).days + 1 > MAX_DAYS:
        raise BadInput(f"a report covers at most {MAX_DAYS} days, asked for {(last - first).days + 1}")
    return Period(first, last, timezone)


def week_before(now: datetime, timezone: str) -> Period:
    """Monday-Sunday of the week before the local week containing `now`."""
    local = now.astimezone(ZoneInfo(timezone)).date()
    this_monday = local - timedelta(days=local.weekday())
    return period(this_monday - timedelta(days=7), this_monday - timedelta(days=1), timezone)


def week_of(day: date, timezone: str) -> Period:
    monday = day - timedelta(days=day.weekday())
    return period(monday, monday + timedelta(days=6), timezone)
