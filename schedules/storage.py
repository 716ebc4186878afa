"""Nightly storage upkeep (StorageUpkeepWorkflow) at LIVEPERKS_STORAGE_UPKEEP_CRON, 04:30 by default,
in the operators' time zone: off-peak for live rooms."""

from temporalio.client import (Client, Schedule, ScheduleActionStartWorkflow, ScheduleOverlapPolicy,
                               SchedulePolicy, ScheduleSpec)

from core.settings import get_settings
from models.storage import UpkeepInput
from schedules.upsert import upsert_schedule

STORAGE_UPKEEP_SCHEDULE = "nightly-storage-upkeep"


async def ensure_storage_schedules(client: Client) -> list[str]:
    settings = get_settings()
    schedule = Schedule(
        action=ScheduleActionStartWorkflow("StorageUpkeepWorkflow", UpkeepInput(), id="storage-upkeep",
                                           task_queue=settings.task_queue),
        spec=ScheduleSpec(cron_expressions=[settings.storage_upkeep_cron], time_zone_name=settings.timezone),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP))
    return [(await upsert_schedule(client, STORAGE_UPKEEP_SCHEDULE, schedule)).id]
