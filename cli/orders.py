"""`liveperks orders settle|refund|status` for the order system and operators."""

import asyncio
import json
from decimal import Decimal
from pathlib import Path

import typer

from clients import orders as order_client
from core.temporal import connect
from models.orders import PaidOrder, Refund, RefundLine

app = typer.Typer(help="Settle paid orders and refund them.", no_args_is_help=True)


def _read_orders(path: Path) -> list[PaidOrder]:
    raw = path.read_text()
    try:
        data = json.loads(raw)
        items = data if isinstance(data, list) else [data]
    except json.JSONDecodeError:
        items = [json.loads(line) for line in raw.splitlines() if line.strip()]
    return [PaidOrder.model_validate(item) for item in items]


@app.command()
def settle(path: Path) -> None:
    """Start settlement for the order(s) in PATH (one JSON object, a JSON array, or NDJSON)."""
    async def go() -> None:
        client = await connect()
        for order in _read_orders(path):
            handle = await order_client.settle(client, order)
            typer.echo(f"{order.order_id}: {handle.id}")
    asyncio.run(go())


@app.command()
def refund(order_id: str, refund_id: str = typer.Option(..., help="your id for this refund (idempotency)"),
           amount: Decimal = typer.Option(None, help="yuan; omit with no --line for a full refund"),
           line: list[str] = typer.Option([], help="SKU=QTY, repeatable")) -> None:
    """Refund an order fully, by lines, or by amount."""
    lines = [RefundLine(sku=s.split("=")[0], quantity=int(s.split("=")[1])) for s in line]
    async def go() -> None:
        where = await order_client.refund(await connect(), order_id,
                                          Refund(refund_id=refund_id, amount=amount, lines=lines))
        typer.echo(f"{order_id}: refund {refund_id} -> {where}")
    asyncio.run(go())


@app.command()
def status(order_id: str) -> None:
    """The settlement workflow's status for ORDER_ID."""
    async def go() -> None:
        result = await order_client.status(await connect(), order_id)
        typer.echo(result.model_dump_json(indent=2) if result else "unknown")
    asyncio.run(go())
