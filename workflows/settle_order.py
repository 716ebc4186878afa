"""SettleOrderWorkflow: one per paid order, workflow id `settle-order-{order_id}`.

accept (check, risk, pending points, coupon redemption) -> wait out the return
window taking `refund` and `cancel` signals -> confirm (pending -> available),
or end reversed. A held order waits for a `review` signal before confirming.
"""

import asyncio
from datetime import timedelta
from decimal import Decimal

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from models.orders import PaidOrder, Refund, SettlementState, SettlementStatus
    from models.settlement import AcceptOrderInput, AcceptResult, ConfirmInput, ConfirmResult, RefundInput, RefundResult
    from workflows.retry import DB_ACTIVITY

DEFAULT_RETURN_WINDOW = timedelta(days=7)


def settlement_workflow_id(order_id: str) -> str:
    return f"settle-order-{order_id}"


@workflow.defn(name="SettleOrderWorkflow")
class SettleOrderWorkflow:
    def __init__(self) -> None:
        self._refunds: list[Refund] = []
        self._review: bool | None = None
        self._status: SettlementStatus | None = None

    @workflow.run
    async def run(self, order: PaidOrder) -> SettlementStatus:
        window = order.return_window_seconds
        window = int(DEFAULT_RETURN_WINDOW.total_seconds()) if window is None else window
        self._status = SettlementStatus(order_id=order.order_id, state="accepting")
        # A local activity: one short transaction, run in the same workflow task, so points are
        # pending one server round trip sooner. Retries and idempotency are the same as a normal one.
        accepted = await workflow.execute_local_activity(
            "accept_order", AcceptOrderInput(order=order, return_window_seconds=window), result_type=AcceptResult,
            **DB_ACTIVITY)
        self._status = SettlementStatus(order_id=order.order_id, state=accepted.state,
                                        points_earned=accepted.points, confirm_due_at=accepted.confirm_due_at,
                                        risk_decision=accepted.risk_decision)
        if self._status.state in (SettlementState.DENIED, SettlementState.REVERSED, SettlementState.CONFIRMED):
            return self._status
        await self._wait_out_window()
        if self._status.state == SettlementState.HELD and not await self._approved():
            await self._refund(Refund(refund_id="review-rejected", reason="risk review rejected the order"))
        if self._status.state in (SettlementState.PENDING, SettlementState.HELD):
            confirmed = await workflow.execute_activity(
                "confirm_order", ConfirmInput(order_id=order.order_id), result_type=ConfirmResult,
                **DB_ACTIVITY)
            self._status.state = confirmed.state
        await self._drain_refunds()  # signals that arrived while confirming
        return self._status

    async def _wait_out_window(self) -> None:
        due = self._status.confirm_due_at
        while self._status.state != SettlementState.REVERSED:
            remaining = (due - workflow.now()).total_seconds()
            if remaining <= 0:
                break
            try:
                await workflow.wait_condition(lambda: bool(self._refunds), timeout=remaining)
            except asyncio.TimeoutError:
                break
            await self._drain_refunds()
        await self._drain_refunds()

    async def _approved(self) -> bool:
        await workflow.wait_condition(lambda: self._review is not None or bool(self._refunds))
        await self._drain_refunds()
        if self._status.state == SettlementState.REVERSED:
            return True  # nothing left to review
        await workflow.wait_condition(lambda: self._review is not None)
        return bool(self._review)

    async def _drain_refunds(self) -> None:
        while self._refunds:
            await self._refund(self._refunds.pop(0))

    async def _refund(self, refund: Refund) -> None:
        if self._status.state == SettlementState.REVERSED:
            return
        try:
            result = await workflow.execute_activity(
                "apply_refund", RefundInput(order_id=self._status.order_id, refund=refund), result_type=RefundResult,
                **DB_ACTIVITY)
        except ActivityError as error:  # bad refund: recorded by the activity; the order goes on
            workflow.logger.warning("refund %s refused: %s", refund.refund_id, error.cause)
            return
        self._status.points_reversed = result.total_points_reversed
        self._status.refunded = Decimal(result.total_refunded_fen) / 100
        self._status.state = result.state

    @workflow.signal
    def refund(self, refund: Refund) -> None:
        self._refunds.append(refund)

    @workflow.signal
    def cancel(self, reason: str = "") -> None:
        self._refunds.append(Refund(refund_id="cancel", reason=reason or "order cancelled"))

    @workflow.signal
    def review(self, approve: bool) -> None:
        self._review = approve

    @workflow.query
    def status(self) -> SettlementStatus | None:
        return self._status

