"""`liveperks exchanges ...`: offers for points, and exchanging on a member's behalf."""

import json
import uuid
from datetime import datetime, timezone
from pathlib import Path

import typer

from activities.exchange_offers import list_offers, upsert_offer
from activities.exchanges import exchange
from core.db import transaction
from domain.errors import BadInput
from models.exchange_api import ExchangeRequest, OfferSpec

app = typer.Typer(help="Spend points: coupons, lottery draws, virtual gifts, merchandise.", no_args_is_help=True)
offers = typer.Typer(help="What members can buy with points (operators).", no_args_is_help=True)
app.add_typer(offers, name="offers")


@offers.command("create")
def create_offers(path: Path) -> None:
    """Create or update the offer(s) in PATH (a JSON object or array of OfferSpec)."""
    data = json.loads(path.read_text())
    try:
        with transaction() as conn:
            for item in data if isinstance(data, list) else [data]:
                upsert_offer(conn, OfferSpec.model_validate(item))
                typer.echo(f"saved {item['id']}")
    except (BadInput, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2)


@offers.command("list")
def show_offers() -> None:
    with transaction() as conn:
        for o in list_offers(conn):
            stock = "unlimited" if o["stock_left"] is None else o["stock_left"]
            typer.echo(f"{o['id']}\t{o['kind']}\t{o['name']}\t{o['price_points']} points\tstock {stock}")
            for p in o["prizes"]:
                chance = f"{p['weight_ppm'] / 10_000:g}%"
                typer.echo(f"  prize {p['prize_id']}\t{p['name']}\t{chance}\tstock {p['stock_left']}")


@app.command("buy")
def buy(member_id: str, offer_id: str,
        request_id: str = typer.Option(None, help="idempotency: a repeat returns the first result"),
        room: str = typer.Option(None, help="gifts: the room"),
        host: str = typer.Option(None, help="gifts: the host")) -> None:
    """Exchange MEMBER_ID's points for OFFER_ID."""
    req = ExchangeRequest(request_id=request_id or f"cli-{uuid.uuid4().hex}", offer_id=offer_id, room_id=room,
                          host_id=host)
    try:
        with transaction() as conn:
            result = exchange(conn, member_id=member_id, req=req, now=datetime.now(timezone.utc))
    except BadInput as error:
        typer.echo(f"refused: {error}", err=True)
        raise typer.Exit(1)
    typer.echo(result.model_dump_json())
