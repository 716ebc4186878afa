import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import text
from temporalio.client import WorkflowFailureError

from activities.ledger_verify import verify_ledger
from clients import orders as order_client
from core.db import transaction
from models.orders import Refund, RefundLine
from models.settlement import RefundResult
from tests.workflows.orders import paid_order


def balance(member: str) -> dict:
    with transaction() as conn:
        row = conn.execute(text("SELECT pending, available, spent, reversed FROM member_balance "
                                "WHERE member_id = :m"), {"m": member}).first()
    return dict(zip(("pending", "available", "spent", "reversed"), row or (0, 0, 0, 0)))


async def test_paid_order_goes_pending_then_confirmed(client, worker):
    order = paid_order(window=1)
    handle = await order_client.settle(client, order)
    result = await handle.result()
    assert result.state == "confirmed" and result.points_earned == 300
    assert balance(order.member_id) == {"pending": 0, "available": 300, "spent": 0, "reversed": 0}


async def test_duplicate_start_is_a_no_op(client, worker):
    order = paid_order(window=1)
    first = await order_client.settle(client, order)
    second = await order_client.settle(client, order)
    assert first.result_run_id == second.result_run_id
    await first.result()
    third = await order_client.settle(client, order)  # after completion: still the one settlement
    assert (await third.describe()).run_id == first.result_run_id
    assert balance(order.member_id)["available"] == 300
    with transaction() as conn:
        assert conn.execute(text("SELECT count(*) FROM journal_entry WHERE reference = :r"),
                            {"r": f"order:{order.order_id}"}).scalar() == 2  # earn + confirm


async def test_partial_then_full_refund_inside_the_window(client, worker):
    order = paid_order(window=30)
    handle = await order_client.settle(client, order)
    await _wait_state(handle, "pending")
    await order_client.refund(client, order.order_id, Refund(refund_id="r1", lines=[RefundLine(sku="a", quantity=1)]))
    await _wait_for(lambda: balance(order.member_id)["pending"] == 200)
    await order_client.refund(client, order.order_id, Refund(refund_id="r1", lines=[RefundLine(sku="a", quantity=1)]))
    await order_client.refund(client, order.order_id, Refund(refund_id="r2"))
    result = await handle.result()
    assert result.state == "reversed" and result.points_reversed == 300 and result.refunded == Decimal("300")
    assert balance(order.member_id) == {"pending": 0, "available": 0, "spent": 0, "reversed": 300}


async def test_cancel_reverses_everything(client, worker):
    order = paid_order(window=30)
    handle = await order_client.settle(client, order)
    await _wait_state(handle, "pending")
    await order_client.cancel(client, order.order_id, "buyer changed mind")
    assert (await handle.result()).state == "reversed"
    assert balance(order.member_id)["reversed"] == 300


async def test_refund_after_confirmation_reverses_from_available(client, worker):
    order = paid_order(window=1)
    await (await order_client.settle(client, order)).result()
    wf_id = await order_client.refund(client, order.order_id, Refund(refund_id="late", amount=Decimal("150")))
    result = await client.get_workflow_handle(wf_id, result_type=RefundResult).result()
    assert result.points_reversed == 150
    assert balance(order.member_id) == {"pending": 0, "available": 150, "spent": 0, "reversed": 150}


async def test_refund_after_points_were_spent_leaves_a_debt(client, worker):
    from activities import ledger

    order = paid_order(window=1)
    await (await order_client.settle(client, order)).result()
    with transaction() as conn:
        ledger.spend(conn, key=f"{order.order_id}:gift", member_id=order.member_id, points=250, kind="spend_gift",
                     reference="gift")
    wf_id = await order_client.refund(client, order.order_id, Refund(refund_id="all"))
    await client.get_workflow_handle(wf_id).result()
    assert balance(order.member_id)["available"] == -250
    with transaction() as conn:
        assert verify_ledger(conn).ok


async def test_bad_order_fails_the_workflow_with_a_reason_and_is_recorded(client, worker):
    order = paid_order(amount="-5")
    handle = await order_client.settle(client, order)
    with pytest.raises(WorkflowFailureError) as failure:
        await handle.result()
    assert "must not be negative" in str(failure.value.cause.cause)
    with transaction() as conn:
        reason = conn.execute(text("SELECT reason FROM rejected_input WHERE reference = :o"),
                              {"o": order.order_id}).scalar_one()
        assert conn.execute(text("SELECT count(*) FROM settlement WHERE order_id = :o"),
                            {"o": order.order_id}).scalar() == 0
    assert "negative" in reason
    assert balance(order.member_id)["pending"] == 0


async def test_refund_above_what_was_paid_is_refused_and_changes_nothing(client, worker):
    order = paid_order(window=3)
    handle = await order_client.settle(client, order)
    await _wait_state(handle, "pending")
    await order_client.refund(client, order.order_id, Refund(refund_id="big", amount=Decimal("1000")))
    result = await handle.result()
    assert result.state == "confirmed" and result.points_reversed == 0
    with transaction() as conn:
        assert "still refundable" in conn.execute(text(
            "SELECT reason FROM rejected_input WHERE reference = :o AND source = 'refund'"),
            {"o": order.order_id}).scalar_one()


async def test_refund_for_an_unknown_order_fails_clearly(client, worker):
    wf_id = await order_client.refund(client, "no-such-order", Refund(refund_id="x"))
    with pytest.raises(WorkflowFailureError) as failure:
        await client.get_workflow_handle(wf_id).result()
    assert "unknown order" in str(failure.value.cause.cause)


async def _wait_state(handle, state: str) -> None:
    for _ in range(100):
        status = await handle.query("status")
        if status and status["state"] == state:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never reached {state}")


async def _wait_for(predicate) -> None:
    for _ in range(100):
        if predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition never became true")
