"""RiskTrainingWorkflow: train a candidate on recent events, promote it only if not worse.

Started daily by the `risk-training-daily` Schedule (schedules/risk.py) or by hand. The activities do
all database and scikit-learn work; the result says what was promoted or why the old model stays.
"""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.risk import PromoteInput, PromoteResult, TrainInput, TrainResult
    from workflows.retry import DURABLE


@workflow.defn(name="RiskTrainingWorkflow")
class RiskTrainingWorkflow:
    @workflow.run
    async def run(self, inp: TrainInput) -> PromoteResult:
        trained = await workflow.execute_activity(
            "train_risk_model", inp, result_type=TrainResult, start_to_close_timeout=timedelta(minutes=30),
            retry_policy=DURABLE)
        if trained.version is None:
            return PromoteResult(promoted=False, version="", reason=f"nothing trained: {trained.skipped}",
                                 serving_version=trained.serving_version)
        return await workflow.execute_activity(
            "promote_risk_model",
            PromoteInput(version=trained.version, promoted_by=f"RiskTrainingWorkflow ({inp.requested_by})"),
            result_type=PromoteResult, start_to_close_timeout=timedelta(seconds=60), retry_policy=DURABLE)
