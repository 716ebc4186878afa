"""A refund that arrives after the settlement workflow has closed (points already confirmed).

Workflow id `order-refund-{order_id}-{refund_id}`: the same refund twice is one workflow.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.settlement import RefundInput, RefundResult
    from workflows.retry import DB_ACTIVITY


def refund_workflow_id(order_id: str, refund_id: str) -> str:
    return f"order-refund-{order_id}-{refund_id}"


@workflow.defn(name="RefundSettledOrderWorkflow")
class RefundSettledOrderWorkflow:
    @workflow.run
    async def run(self, inp: RefundInput) -> RefundResult:
        return await workflow.execute_activity("apply_refund", inp, result_type=RefundResult, **DB_ACTIVITY)
