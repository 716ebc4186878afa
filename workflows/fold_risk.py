"""Scheduled folding of new room events and risk decisions into the risk aggregates: the bursts the
scorer leaves behind (it folds only a small backlog itself, in the grant's transaction) and its
own decisions, which it never folds."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.risk import FoldInput, FoldResult
    from workflows.retry import DURABLE


@workflow.defn(name="FoldRiskAggregatesWorkflow")
class FoldRiskAggregatesWorkflow:
    @workflow.run
    async def run(self, inp: FoldInput) -> FoldResult:
        # one transaction per bounded slice; the activity loops until nothing is left
        return await workflow.execute_activity("fold_risk_aggregates", inp, result_type=FoldResult,
                                               start_to_close_timeout=timedelta(minutes=10),
                                               heartbeat_timeout=timedelta(seconds=60), retry_policy=DURABLE)
