"""Create a schedule, or update it in place when it exists (so `dev up` can run any number of times)."""

from typing import Any

from temporalio.client import (Client, Schedule, ScheduleActionStartWorkflow, ScheduleAlreadyRunningError,
                               ScheduleHandle, ScheduleOverlapPolicy, SchedulePolicy, ScheduleSpec, ScheduleUpdate,
                               ScheduleUpdateInput)
from temporalio.service import RPCError, RPCStatusCode

from core.settings import get_settings


def cron_schedule(workflow: str, *, workflow_id: str, cron: str, args: list[Any] | None = None) -> Schedule:
    """A workflow started at a cron time in the operators' time zone on the worker's task queue; a run
    still going when the next is due makes the next one skip."""
    settings = get_settings()
    return Schedule(
        action=ScheduleActionStartWorkflow(workflow, args=args or [], id=workflow_id, task_queue=settings.task_queue),
        spec=ScheduleSpec(cron_expressions=[cron], time_zone_name=settings.timezone),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP))


async def upsert_schedule(client: Client, schedule_id: str, schedule: Schedule) -> ScheduleHandle:
    try:
        return await client.create_schedule(schedule_id, schedule)
    except ScheduleAlreadyRunningError:
        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        handle = client.get_schedule_handle(schedule_id)
        await handle.update(replace)
        return handle


async def delete_schedule_if_any(client: Client, schedule_id: str) -> None:
    try:
        await client.get_schedule_handle(schedule_id).delete()
    except RPCError as e:
        if e.status != RPCStatusCode.NOT_FOUND:
            raise
