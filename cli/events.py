"""`liveperks events load session.ndjson` replays a recorded session into the event log."""

import json
from collections import defaultdict
from pathlib import Path

import typer

from activities.intake import store_batch
from clients.events import EventsClient, read_ndjson
from domain.errors import BadInput

app = typer.Typer(help="Room events: replay recorded sessions.", no_args_is_help=True)


@app.command()
def load(path: Path, room: str = typer.Option(None, help="room for events that carry no room_id"),
         batch: int = typer.Option(2000, help="events per batch"),
         api_url: str = typer.Option(None, help="post through the HTTP API instead of writing to the database"),
         token: str = typer.Option(None, envvar="LIVEPERKS_TOKEN", help="API key for --api-url")) -> None:
    """Load an NDJSON file of events (idempotent: loading it twice stores nothing new)."""
    by_room: dict[str, list[dict]] = defaultdict(list)
    try:  # the whole file first: a bad line stops the load before anything is stored
        for item in read_ndjson(path):
            target = item.get("room_id") or room
            if not target:
                typer.echo("error: an event has no room_id; pass --room", err=True)
                raise typer.Exit(2)
            by_room[target].append(item)
    except (OSError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2)
    totals = {"received": 0, "accepted": 0, "duplicates": 0, "rejected": 0}
    for room_id, items in by_room.items():
        for start in range(0, len(items), batch):
            chunk = items[start:start + batch]
            try:
                if api_url:
                    with EventsClient(api_url, token) as client:
                        result = client.post(room_id, chunk)
                else:
                    result = store_batch(room_id, chunk)
            except (BadInput, RuntimeError) as error:
                typer.echo(f"error: {error}", err=True)
                raise typer.Exit(2)
            for r in result.rejected:
                typer.echo(f"rejected {room_id}#{start + r.index} {r.event_id}: {r.reason}", err=True)
            totals["received"] += result.received
            totals["accepted"] += result.accepted
            totals["duplicates"] += result.duplicates
            totals["rejected"] += len(result.rejected)
    typer.echo(json.dumps(totals))
