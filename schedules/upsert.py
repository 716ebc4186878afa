"""Create a schedule, or update it in place when it exists (so `dev up` can run any number of times)."""

from temporalio.client import (Client, Schedule, ScheduleAlreadyRunningError, ScheduleHandle, ScheduleUpdate,
                               ScheduleUpdateInput)
from temporalio.service import RPCError, RPCStatusCode


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
