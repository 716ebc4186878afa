"""The weekly report's Temporal Schedule: Mondays 09:00 in the operator's time zone, for the week before.

ensure_report_schedules(client) is idempotent: it creates the schedule, or updates it in place to the
current settings (time zone, task queue), so calling it at every start-up is safe."""

from temporalio.client import (Client, Schedule, ScheduleActionStartWorkflow, ScheduleCalendarSpec,
                               ScheduleOverlapPolicy, SchedulePolicy, ScheduleRange, ScheduleSpec)

from core.settings import Settings, get_settings
from models.reports import WeeklyReportInput
from schedules.upsert import upsert_schedule

WEEKLY_REPORT_SCHEDULE = "liveperks-weekly-report"


def weekly_report_schedule(settings: Settings) -> Schedule:
    monday_nine = ScheduleCalendarSpec(day_of_week=[ScheduleRange(1)], hour=[ScheduleRange(9)],
                                       minute=[ScheduleRange(0)], second=[ScheduleRange(0)],
                                       comment="Mondays 09:00, operator's time zone")
    return Schedule(
        action=ScheduleActionStartWorkflow("WeeklyReportWorkflow", WeeklyReportInput(timezone=settings.timezone),
                                           id="weekly-report", task_queue=settings.task_queue),
        spec=ScheduleSpec(calendars=[monday_nine], time_zone_name=settings.timezone),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP))


async def ensure_report_schedules(client: Client, settings: Settings | None = None) -> list[str]:
    """The ids of the schedules ensured (created, or updated in place to the current settings)."""
    settings = settings or get_settings()
    return [(await upsert_schedule(client, WEEKLY_REPORT_SCHEDULE, weekly_report_schedule(settings))).id]


# schedules.ensure_all looks for ensure_<area>_schedules with area "reports".
ensure_reports_schedules = ensure_report_schedules
