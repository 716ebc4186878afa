"""`liveperks orders settle|refund|status` for the order system and operators."""

import asyncio
import json
from decimal import Decimal
from pathlib import Path

import typer
from pydantic import ValidationError

from clients import orders as order_client
from core.temporal import connect
from domain.errors import BadInput
from models.orders import PaidOrder, Refund, RefundLine

app = typer.Typer(help="Settle paid orders and refund them.", no_args_is_help=True)


def _items(path: Path) -> list[tuple[str, object]]:
    """(where, item): one JSON object, a JSON array, or NDJSON (lines end at "\n" only)."""
    raw = path.read_text(encoding="utf-8")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        items = []
        for n, line in enumerate(raw.split("\n"), 1):
            if not line.strip():
                continue
            try:
                items.append((f"line {n}", json.loads(line)))
            except json.JSONDecodeError as error:
                raise BadInput(f"{path} line {n}: not JSON: {error}") from None
        return items
    return [(f"item {i}", item) for i, item in enumerate(data)] if isinstance(data, list) else [("", data)]


def _read_orders(path: Path) -> list[PaidOrder]:
    """Every order in the file, all checked before the first settlement starts."""
    orders = []
    for where, item in _items(path):
        try:
            orders.append(PaidOrder.model_validate(item))
        except ValidationError as error:
            raise BadInput(f"{' '.join(filter(None, (str(path), where)))}: {error}") from None
    return orders


def _refund_line(text: str) -> RefundLine:
    sku, _, quantity = text.partition("=")
    if not sku or not quantity.strip().isdigit():
        raise typer.BadParameter(f"{text!r}: expected SKU=QTY, e.g. sku-1=2", param_hint="--line")
    return RefundLine(sku=sku, quantity=int(quantity))


@app.command()
def settle(path: Path) -> None:
    """Start settlement for the order(s) in PATH (one JSON object, a JSON array, or NDJSON)."""
    try:
        orders = _read_orders(path)
    except (OSError, UnicodeDecodeError, BadInput) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2)

    async def go() -> None:
        client = await connect()
        for order in orders:
            handle = await order_client.settle(client, order)
            typer.echo(f"{order.order_id}: {handle.id}")
    asyncio.run(go())


@app.command()
def refund(order_id: str, refund_id: str = typer.Option(..., help="your id for this refund (idempotency)"),
           amount: Decimal = typer.Option(None, help="yuan; omit with no --line for a full refund"),
           line: list[str] = typer.Option([], help="SKU=QTY, repeatable")) -> None:
    """Refund an order fully, by lines, or by amount."""
    lines = [_refund_line(text) for text in line]
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
