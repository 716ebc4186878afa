from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain.earning import EarningRules
from domain.errors import BadInput
from domain.orders import RefundedSoFar, check_order, combine, plan_refund, points_kept
from models.orders import OrderLine, PaidOrder, Refund, RefundLine

NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)


def order(**kw):
    base = dict(order_id="o1", member_id="m1", room_id="r1", paid_at=NOW,
                lines=[OrderLine(sku="a", category="x", unit_price=Decimal("50"), quantity=2),
                       OrderLine(sku="b", category="x", unit_price=Decimal("100"), quantity=1)],
                amount_paid=Decimal("210"), shipping_fee=Decimal("10"))
    return PaidOrder(**{**base, **kw})


def check(o):
    return check_order(o, now=NOW, max_amount_fen=10_000_000)


@pytest.mark.parametrize("change, message", [
    ({"lines": []}, "no lines"),
    ({"amount_paid": Decimal("-1")}, "negative"),
    ({"amount_paid": Decimal("99999999")}, "above the limit"),
    ({"amount_paid": Decimal("500")}, "more than the lines' total"),
    ({"amount_paid": Decimal("1.001")}, "2 decimal places"),
    ({"shipping_fee": Decimal("300")}, "more than amount_paid"),
    ({"order_id": ""}, "order_id"),
    ({"paid_at": NOW + timedelta(days=1)}, "future"),
    ({"paid_at": datetime(2026, 11, 20)}, "time zone"),
])
def test_bad_orders_are_refused_with_a_reason(change, message):
    with pytest.raises(BadInput, match=message):
        check(order(**change))


def test_bad_line_quantity():
    with pytest.raises(BadInput, match="quantity 0"):
        check(order(lines=[OrderLine(sku="a", unit_price=Decimal("1"), quantity=0)], amount_paid=Decimal("0"),
                    shipping_fee=Decimal("0")))


def test_goods_paid_excludes_shipping():
    assert check(order()).goods_paid_fen == 20000


def test_refund_above_what_was_paid_is_refused():
    c = check(order())
    with pytest.raises(BadInput, match="still refundable"):
        plan_refund(c, RefundedSoFar(), Refund(refund_id="r", amount=Decimal("211")))
    with pytest.raises(BadInput, match="still refundable"):
        plan_refund(c, RefundedSoFar(20000), Refund(refund_id="r", amount=Decimal("10.01")))


def test_full_refund_takes_everything_left():
    c = check(order())
    plan = plan_refund(c, RefundedSoFar(), Refund(refund_id="r"))
    assert plan.fen == 21000 and plan.units == {"a": 2, "b": 1}
    with pytest.raises(BadInput, match="already fully refunded"):
        plan_refund(c, plan, Refund(refund_id="r2"))


def test_line_refund_amount_and_points_kept():
    c = check(order())
    plan = plan_refund(c, RefundedSoFar(), Refund(refund_id="r", lines=[RefundLine(sku="a", quantity=1)]))
    assert plan.fen == 5000 and plan.units == {"a": 1}
    assert points_kept(c, plan, EarningRules()) == 150
    with pytest.raises(BadInput, match="quantity 2 but 1 left"):
        plan_refund(c, plan, Refund(refund_id="r2", lines=[RefundLine(sku="a", quantity=2)]))


def test_amount_refund_keeps_points_proportionally():
    c = check(order())
    after = combine(RefundedSoFar(), plan_refund(c, RefundedSoFar(), Refund(refund_id="r", amount=Decimal("50"))))
    assert points_kept(c, after, EarningRules()) == 150
