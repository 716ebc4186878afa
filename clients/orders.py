"""The order system's Python client over Temporal: settle, refund, cancel, status.

    client = await core.temporal.connect()
    await settle(client, order)                      # a duplicate start is a no-op
    await refund(client, "o-1", Refund(refund_id="r1", amount=Decimal("20")))
"""

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from core.settings import get_settings
from models.orders import PaidOrder, Refund, SettlementStatus
from models.settlement import RefundInput, RefundResult
from workflows.refund_settled import refund_workflow_id
from workflows.settle_order import settlement_workflow_id


async def settle(client: Client, order: PaidOrder, *, task_queue: str | None = None) -> WorkflowHandle:
    settings = get_settings()
    if order.return_window_seconds is None:
        order = order.model_copy(update={"return_window_seconds": settings.return_window_seconds})
    wf_id = settlement_workflow_id(order.order_id)
    try:
        return await client.start_workflow(
            "SettleOrderWorkflow", order, id=wf_id, task_queue=task_queue or settings.task_queue,
            result_type=SettlementStatus,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)
    except WorkflowAlreadyStartedError:  # settled before: the same settlement, nothing new
        return client.get_workflow_handle(wf_id, result_type=SettlementStatus)


async def refund(client: Client, order_id: str, refund_: Refund) -> str:
    """Signal the running settlement; once it has closed, run the refund as its own workflow.
    Returns "signalled" or the id of the refund workflow."""
    try:
        await client.get_workflow_handle(settlement_workflow_id(order_id)).signal("refund", refund_)
        return "signalled"
    except RPCError:
        pass  # closed, or never started here: the refund activity says whether the order exists
    wf_id = refund_workflow_id(order_id, refund_.refund_id)
    await client.start_workflow("RefundSettledOrderWorkflow", RefundInput(order_id=order_id, refund=refund_),
                                result_type=RefundResult,
                                id=wf_id, task_queue=get_settings().task_queue,
                                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)
    return wf_id


async def cancel(client: Client, order_id: str, reason: str = "") -> None:
    await client.get_workflow_handle(settlement_workflow_id(order_id)).signal("cancel", reason)


async def status(client: Client, order_id: str) -> SettlementStatus | None:
    return await client.get_workflow_handle(settlement_workflow_id(order_id)).query(
        "status", result_type=SettlementStatus)
