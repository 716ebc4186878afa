"""The daily risk retraining Schedule (RiskTrainingWorkflow), created or updated idempotently."""

from datetime import timedelta

from temporalio.client import (Client, Schedule, ScheduleActionStartWorkflow, ScheduleIntervalSpec,
                               ScheduleOverlapPolicy, SchedulePolicy, ScheduleSpec)

from core.settings import get_settings
from models.risk import TrainInput
from schedules.upsert import upsert_schedule

SCHEDULE_ID = "risk-training-daily"


async def ensure_risk_schedules(client: Client, every: timedelta = timedelta(days=1)) -> list[str]:
    """Create the schedule, or bring an existing one up to date. Safe to call on every start."""
    settings = get_settings()
    schedule = Schedule(
        action=ScheduleActionStartWorkflow("RiskTrainingWorkflow",
                                           TrainInput(days=settings.risk_training_days, requested_by="schedule"),
                                           id="risk-training", task_queue=settings.task_queue),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP))
    return [(await upsert_schedule(client, SCHEDULE_ID, schedule)).id]
