"""Paid orders through the HTTP API into SettleOrderWorkflow, with refunds and cancels in the window."""

import asyncio
import random
import time

import httpx
from rich.progress import Progress
from sqlalchemy import text

from core.db import transaction
from demo.context import DemoContext
from demo.orders import paid_orders

ORDERS = 60
RETURN_WINDOW_SECONDS = 20


async def play(ctx: DemoContext) -> None:
    run = f"demo{int(time.time())}"
    orders = paid_orders(ORDERS, seed=ctx.seed, run=run, window_seconds=RETURN_WINDOW_SECONDS)
    rng = random.Random(ctx.seed)
    headers = {"Authorization": f"Bearer {ctx.tokens['order-system']}"}
    async with httpx.AsyncClient(base_url=ctx.api_url, headers=headers, timeout=30) as api:
        with Progress(console=ctx.console) as progress:
            paying = progress.add_task("orders paid", total=len(orders))
            for order in orders:
                r = await api.post("/v1/orders/paid", json=order.model_dump(mode="json"))
                r.raise_for_status()
                progress.advance(paying)
            await _refund_some(api, orders, rng, progress)
            settling = progress.add_task(f"settling (return window {RETURN_WINDOW_SECONDS}s)", total=len(orders))
            deadline = time.monotonic() + RETURN_WINDOW_SECONDS + 60
            while time.monotonic() < deadline:
                done = _settled(run)
                progress.update(settling, completed=done)
                if done == len(orders):
                    break
                await asyncio.sleep(0.5)
    _summarize(ctx, run)


async def _refund_some(api: httpx.AsyncClient, orders, rng: random.Random, progress: Progress) -> None:
    chosen = rng.sample(orders, len(orders) // 5)
    task = progress.add_task("refunds and cancels", total=len(chosen))
    await asyncio.sleep(1.0)  # let the settlements accept their orders first
    for i, order in enumerate(chosen):
        body = ({"refund_id": "full"} if i % 3 == 0 else
                {"refund_id": "part", "lines": [{"sku": order.lines[0].sku, "quantity": 1}]} if i % 3 == 1 else
                {"refund_id": "amount", "amount": str(min(order.amount_paid, 10))})
        for _ in range(50):
            r = await api.post(f"/v1/orders/{order.order_id}/refunds", json=body)
            if r.status_code != 404:  # 404: not accepted yet
                break
            await asyncio.sleep(0.2)
        progress.advance(task)


def _settled(run: str) -> int:
    with transaction() as conn:
        return conn.execute(text("SELECT count(*) FROM settlement WHERE order_id LIKE :p "
                                 "AND state IN ('confirmed', 'reversed', 'denied')"), {"p": f"{run}-%"}).scalar()


def _summarize(ctx: DemoContext, run: str) -> None:
    with transaction() as conn:
        row = conn.execute(text("""
            SELECT count(*) FILTER (WHERE state = 'confirmed'), count(*) FILTER (WHERE state = 'reversed'),
                   coalesce(sum(points_earned), 0), coalesce(sum(points_reversed), 0),
                   coalesce(sum(points_earned - points_reversed) FILTER (WHERE state = 'confirmed'), 0),
                   coalesce(sum(points_earned - points_reversed) FILTER (WHERE state = 'pending'), 0)
            FROM settlement WHERE order_id LIKE :p"""), {"p": f"{run}-%"}).one()
    confirmed, reversed_, earned, reversed_points, confirmed_points, pending_points = row
    ctx.summary += [("settlement", "orders settled", f"{confirmed + reversed_} of {ORDERS}"),
                    ("settlement", "orders confirmed / fully reversed", f"{confirmed} / {reversed_}"),
                    ("settlement", "points earned (pending at first)", str(earned)),
                    ("settlement", "points confirmed", str(confirmed_points)),
                    ("settlement", "points still pending", str(pending_points)),
                    ("settlement", "points reversed by refunds", str(reversed_points))]
