"""A seeded stream of paid orders for the demo and the benchmarks."""

import random
from datetime import datetime, timezone
from decimal import Decimal

from models.orders import OrderLine, PaidOrder

CATALOG = [("sku-lipstick", "beauty", "129.00"), ("sku-serum", "beauty", "359.00"), ("sku-tea", "food", "68.00"),
           ("sku-socks", "apparel", "29.90"), ("sku-jacket", "apparel", "499.00"), ("sku-blender", "home", "259.00")]


def paid_orders(n: int, *, seed: int, run: str, window_seconds: int | None, members: int = 40) -> list[PaidOrder]:
    rng = random.Random(seed)
    orders = []
    for i in range(n):
        picks = rng.sample(CATALOG, rng.randint(1, 3))
        lines = [OrderLine(sku=sku, category=cat, unit_price=Decimal(price), quantity=rng.randint(1, 3))
                 for sku, cat, price in picks]
        total = sum(line.unit_price * line.quantity for line in lines)
        discount = Decimal(rng.choice([0, 0, 5, 10, 20])).min(total)
        shipping = Decimal(rng.choice(["0", "0", "8"]))
        orders.append(PaidOrder(order_id=f"{run}-o{i:05d}", member_id=f"member-{rng.randint(1, members):04d}",
                                room_id=f"room-{rng.randint(1, 3)}", lines=lines,
                                amount_paid=total - discount + shipping, shipping_fee=shipping,
                                device_id=f"dev-{rng.randint(1, 500)}",
                                ip=f"10.0.{rng.randint(0, 9)}.{rng.randint(1, 250)}",
                                paid_at=datetime.now(timezone.utc), return_window_seconds=window_seconds))
    return orders
