"""RiskTrainingWorkflow on the real worker, and the daily schedule ensured idempotently."""

import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from temporalio.service import RPCError, RPCStatusCode

from activities.risk_sim import write_events
from core.db import transaction
from core.settings import get_settings
from models.risk import PromoteResult, TrainInput
from schedules.risk import FOLD_SCHEDULE_ID, SCHEDULE_ID, ensure_risk_schedules
from schedules.upsert import delete_schedule_if_any
from simulator.attackers import DeviceFarm, GenuineViewers, simulate
from tests.conftest import unique


async def test_training_workflow_trains_and_promotes_only_when_not_worse(client, worker):
    tag = unique("wf")
    crowd = simulate(random.Random(3), [f"{tag}-r"], datetime.now(timezone.utc) - timedelta(hours=1), 30, tag,
                     [GenuineViewers(15), DeviceFarm(8, 2)])
    with transaction() as conn:
        write_events(conn, crowd.events)
        before = conn.execute(text("SELECT version FROM risk_model WHERE status = 'serving'")).scalar()
    try:
        result = await client.execute_workflow("RiskTrainingWorkflow", TrainInput(days=1, requested_by="test"),
                                               id=unique("risk-training"), task_queue=worker,
                                               result_type=PromoteResult)
        with transaction() as conn:
            row = conn.execute(text("SELECT status, kind, artifact_sha256, features, note FROM risk_model "
                                    "WHERE version = :v"), {"v": result.version}).one()
        assert row.status == ("serving" if result.promoted else "rejected") and len(row.artifact_sha256) == 64
        assert "device_accounts_1h" in row.features and row.note == result.reason
        if before is None:
            assert result.promoted and result.reason == "no serving model yet"
        # a second run is measured against the model the first one promoted
        second = await client.execute_workflow("RiskTrainingWorkflow", TrainInput(days=1, requested_by="test"),
                                               id=unique("risk-training"), task_queue=worker,
                                               result_type=PromoteResult)
        assert second.reason and (second.promoted or "worse" in second.reason or "no roc_auc" in second.reason)
    finally:
        with transaction() as conn:  # leave no model serving for the other tests' settlements
            conn.execute(text("UPDATE risk_model SET status = 'retired' WHERE status = 'serving'"))


async def test_schedules_are_ensured_idempotently(client, worker, monkeypatch):
    monkeypatch.setattr(get_settings(), "risk_aggregates", "database")
    try:
        assert await ensure_risk_schedules(client) == [SCHEDULE_ID, FOLD_SCHEDULE_ID]
        assert await ensure_risk_schedules(client) == [SCHEDULE_ID, FOLD_SCHEDULE_ID]
        description = await client.get_schedule_handle(SCHEDULE_ID).describe()
        assert description.schedule.action.workflow == "RiskTrainingWorkflow"
        assert description.schedule.spec.intervals[0].every == timedelta(days=1)
        fold = await client.get_schedule_handle(FOLD_SCHEDULE_ID).describe()
        assert fold.schedule.action.workflow == "FoldRiskAggregatesWorkflow"
        assert fold.schedule.spec.intervals[0].every == timedelta(seconds=10)
        monkeypatch.setattr(get_settings(), "risk_aggregates", "memory")  # each worker folds: no fold schedule
        assert await ensure_risk_schedules(client) == [SCHEDULE_ID]
        with pytest.raises(RPCError) as gone:
            await client.get_schedule_handle(FOLD_SCHEDULE_ID).describe()
        assert gone.value.status == RPCStatusCode.NOT_FOUND
    finally:  # the other tests fold (and train) in their own transactions, deterministically: a daily
        # training run firing at midnight UTC in a later test would promote a model that scores its grants
        await delete_schedule_if_any(client, FOLD_SCHEDULE_ID)
        await delete_schedule_if_any(client, SCHEDULE_ID)
