"""The daily risk retraining Schedule, created or updated idempotently."""

from datetime import timedelta

from temporalio.client import (Client, Schedule, ScheduleActionStartWorkflow, ScheduleAlreadyRunningError,
                               ScheduleIntervalSpec, ScheduleOverlapPolicy, SchedulePolicy, ScheduleSpec,
                               ScheduleUpdate)

from core.settings import get_settings
from models.risk import TrainInput

SCHEDULE_ID = "risk-training-daily"


def _schedule(task_queue: str, every: timedelta, days: int) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow("RiskTrainingWorkflow", TrainInput(days=days, requested_by="schedule"),
                                           id="risk-training", task_queue=task_queue),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP))


async def ensure_risk_schedules(client: Client, every: timedelta = timedelta(days=1)) -> str:
    """Create the schedule, or bring an existing one up to date. Safe to call on every start."""
    settings = get_settings()
    schedule = _schedule(settings.task_queue, every, settings.risk_training_days)
    try:
        await client.create_schedule(SCHEDULE_ID, schedule)
        return "created"
    except ScheduleAlreadyRunningError:
        await client.get_schedule_handle(SCHEDULE_ID).update(lambda _: ScheduleUpdate(schedule=schedule))
        return "updated"
