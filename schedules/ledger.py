"""Nightly expiry of points lots at 02:00 in the operator's time zone."""

from temporalio.client import (Client, Schedule, ScheduleActionStartWorkflow, ScheduleOverlapPolicy,
                               SchedulePolicy, ScheduleSpec)

from core.settings import get_settings
from schedules.upsert import upsert_schedule


async def ensure_ledger_schedules(client: Client) -> list[str]:
    settings = get_settings()
    schedule = Schedule(
        action=ScheduleActionStartWorkflow("ExpirePointsWorkflow", id="expire-points", task_queue=settings.task_queue),
        spec=ScheduleSpec(cron_expressions=["0 2 * * *"], time_zone_name=settings.timezone),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP))
    return [(await upsert_schedule(client, "nightly-points-expiry", schedule)).id]
