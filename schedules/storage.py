"""Nightly storage upkeep (StorageUpkeepWorkflow) at LIVEPERKS_STORAGE_UPKEEP_CRON, 04:30 by default,
in the operators' time zone: off-peak for live rooms."""

from temporalio.client import Client

from core.settings import get_settings
from models.storage import UpkeepInput
from schedules.upsert import cron_schedule, upsert_schedule

STORAGE_UPKEEP_SCHEDULE = "nightly-storage-upkeep"


async def ensure_storage_schedules(client: Client) -> list[str]:
    schedule = cron_schedule("StorageUpkeepWorkflow", workflow_id="storage-upkeep",
                             cron=get_settings().storage_upkeep_cron, args=[UpkeepInput()])
    return [(await upsert_schedule(client, STORAGE_UPKEEP_SCHEDULE, schedule)).id]
