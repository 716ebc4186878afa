"""Order system: start settlement for a paid order, refund it, read its settlement."""

from datetime import datetime, timezone

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel
from temporalio.client import Client

from activities.rejections import record_rejection
from activities.settlement_store import load_settlement, order_from_row
from api.deps import require, temporal
from clients import orders as order_client
from core.db import transaction
from core.settings import get_settings
from domain.errors import BadInput
from domain.orders import RefundedSoFar, check_order, plan_refund
from models.api_keys import Role
from models.orders import PaidOrder, Refund, SettlementStatus
from queries.settlements import settlement_status

router = APIRouter(prefix="/v1/orders", tags=["orders"])
order_system = Depends(require(Role.ORDER_SYSTEM))


class Accepted(BaseModel):
    order_id: str
    workflow_id: str
    detail: str


@router.post("/paid", status_code=202, response_model=Accepted, dependencies=[order_system])
async def order_paid(order: PaidOrder, client: Client = Depends(temporal)) -> Accepted:
    """Start SettleOrderWorkflow for a paid order. Posting the same order again is a no-op."""
    try:
        check_order(order, now=datetime.now(timezone.utc), max_amount_fen=get_settings().max_order_amount_fen)
    except BadInput as error:
        record_rejection(source="api:orders", reference=order.order_id, reason=str(error),
                         payload=order.model_dump(mode="json"))
        raise
    handle = await order_client.settle(client, order)
    return Accepted(order_id=order.order_id, workflow_id=handle.id, detail="settlement started")


@router.post("/{order_id}/refunds", status_code=202, response_model=Accepted, dependencies=[order_system])
async def refund_order(order_id: str, refund: Refund, client: Client = Depends(temporal)) -> Accepted:
    """Full (no amount, no lines), by lines, or by amount. Checked now; applied by the workflow."""
    with transaction() as conn:
        row = load_settlement(conn, order_id)
        if row is None:
            raise HTTPException(404, f"unknown order {order_id} (settlement not started or not accepted yet)")
        try:
            plan_refund(order_from_row(row), RefundedSoFar(row.refunded_fen, dict(row.refunded_units)), refund)
        except BadInput as error:
            record_rejection(source="api:refunds", reference=order_id, reason=str(error),
                             payload=refund.model_dump(mode="json"))
            raise
    where = await order_client.refund(client, order_id, refund)
    return Accepted(order_id=order_id, workflow_id=where, detail="refund accepted")


@router.get("/{order_id}/settlement", response_model=SettlementStatus,
            dependencies=[Depends(require(Role.ORDER_SYSTEM, Role.OPERATOR))])
def get_settlement(order_id: str) -> SettlementStatus:
    with transaction() as conn:
        status = settlement_status(conn, order_id)
    if status is None:
        raise HTTPException(404, f"unknown order {order_id}")
    return status
