"""Scheduled folding of new room events into the risk aggregates, so the scorer's own fold (bounded,
in the grant's transaction) only has the last seconds to add, even after a burst with few grants."""

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
