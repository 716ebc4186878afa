"""An activity retried after it already committed (a lost completion) changes nothing."""

from decimal import Decimal

from sqlalchemy import text
from temporalio.testing import ActivityEnvironment

from activities.settlement import accept_order, apply_refund, confirm_order
from core.db import transaction
from models.orders import Refund
from models.settlement import AcceptOrderInput, ConfirmInput, RefundInput
from tests.workflows.orders import paid_order


def entries(order_id: str) -> list[str]:
    with transaction() as conn:
        return conn.execute(text("SELECT kind FROM journal_entry WHERE reference = :r ORDER BY id"),
                            {"r": f"order:{order_id}"}).scalars().all()


def test_each_settlement_activity_applies_once_however_often_it_runs(database_url):
    env = ActivityEnvironment()
    order = paid_order(window=60)
    first = env.run(accept_order, AcceptOrderInput(order=order, return_window_seconds=60))
    again = env.run(accept_order, AcceptOrderInput(order=order, return_window_seconds=60))
    assert first.points == again.points == 300 and again.already_applied
    refund = RefundInput(order_id=order.order_id, refund=Refund(refund_id="r1", amount=Decimal("100")))
    r1, r2 = env.run(apply_refund, refund), env.run(apply_refund, refund)
    assert r1.points_reversed == 100 and r2.already_applied and r2.total_points_reversed == 100
    c1, c2 = env.run(confirm_order, ConfirmInput(order_id=order.order_id)), env.run(
        confirm_order, ConfirmInput(order_id=order.order_id))
    assert c1.points_confirmed == 200 and c2.points_confirmed == 0
    assert entries(order.order_id) == ["earn_pending", "reverse_pending", "confirm"]
