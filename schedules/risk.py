"""The risk Schedules, created or updated idempotently: daily retraining (RiskTrainingWorkflow) and,
when the scorer's aggregates live in the database (risk_aggregates), folding new events into them every
few seconds (FoldRiskAggregatesWorkflow)."""

from datetime import timedelta

from temporalio.client import (Client, Schedule, ScheduleActionStartWorkflow, ScheduleIntervalSpec,
                               ScheduleOverlapPolicy, SchedulePolicy, ScheduleSpec)

from core.settings import get_settings
from models.risk import FoldInput, TrainInput
from schedules.upsert import delete_schedule_if_any, upsert_schedule

SCHEDULE_ID = "risk-training-daily"
FOLD_SCHEDULE_ID = "risk-fold"


async def ensure_risk_schedules(client: Client, every: timedelta = timedelta(days=1)) -> list[str]:
    """Create the schedule, or bring an existing one up to date. Safe to call on every start."""
    settings = get_settings()
    schedule = Schedule(
        action=ScheduleActionStartWorkflow("RiskTrainingWorkflow",
                                           TrainInput(days=settings.risk_training_days, requested_by="schedule"),
                                           id="risk-training", task_queue=settings.task_queue),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP))
    ensured = [(await upsert_schedule(client, SCHEDULE_ID, schedule)).id]
    if settings.risk_aggregates == "database":
        fold = Schedule(
            action=ScheduleActionStartWorkflow("FoldRiskAggregatesWorkflow",
                                               FoldInput(max_rows=settings.risk_fold_max_rows),
                                               id="risk-fold", task_queue=settings.task_queue),
            spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(seconds=settings.risk_fold_every_s))]),
            policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP))
        return ensured + [(await upsert_schedule(client, FOLD_SCHEDULE_ID, fold)).id]
    await delete_schedule_if_any(client, FOLD_SCHEDULE_ID)  # each worker folds into its own memory
    return ensured
