"""Paid orders for tests."""

from datetime import datetime, timezone
from decimal import Decimal

from models.orders import OrderLine, PaidOrder
from tests.conftest import unique


def paid_order(*, member_id: str | None = None, window: int = 2, amount: str = "300", **kw) -> PaidOrder:
    return PaidOrder(order_id=unique("o"), member_id=member_id or unique("m"), room_id="room-1",
                     lines=[OrderLine(sku="a", category="x", unit_price=Decimal("100"), quantity=2),
                            OrderLine(sku="b", category="x", unit_price=Decimal("100"), quantity=1)],
                     amount_paid=Decimal(amount), device_id="dev-1", ip="10.1.2.3",
                     paid_at=datetime.now(timezone.utc), return_window_seconds=window, **kw)
