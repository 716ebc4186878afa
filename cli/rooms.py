"""`liveperks rooms add|list` for operators."""

import typer

from activities.rooms import list_rooms, register_room
from core.db import transaction
from domain.errors import BadInput
from models.events import RoomBase

app = typer.Typer(help="Register live rooms (events are accepted only for registered rooms).", no_args_is_help=True)


@app.command()
def add(room_id: str, shop: str = typer.Option("", help="shop id (for shop-wide newcomer rules)"),
        host: str = typer.Option("", help="host id"), title: str = typer.Option("")) -> None:
    """Register ROOM_ID (or update its shop, host and title)."""
    try:
        with transaction() as conn:
            new = register_room(conn, RoomBase(room_id=room_id, shop_id=shop, host_id=host, title=title))
    except BadInput as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2)
    typer.echo(f"{room_id}: {'registered' if new else 'updated'}")


@app.command("list")
def list_() -> None:
    """Every registered room."""
    with transaction() as conn:
        for room in list_rooms(conn):
            typer.echo(f"{room.room_id}\tshop={room.shop_id}\thost={room.host_id}\t{room.title}")
