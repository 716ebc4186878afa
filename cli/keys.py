"""`liveperks keys create|revoke`."""

import typer

from activities.api_keys import create_key, revoke_key
from core.db import transaction
from domain.errors import BadInput

app = typer.Typer(help="API keys with roles: order-system, operator, member-app, live-platform.",
                  no_args_is_help=True)


@app.command()
def create(name: str, role: str = typer.Option(..., help="order-system | operator | member-app | live-platform"),
           member: str = typer.Option(None, help="member id, required for member-app keys")) -> None:
    """Create a key; the token is printed once and only its hash is stored."""
    try:
        with transaction() as conn:
            created = create_key(conn, name=name, role=role, member_id=member)
    except BadInput as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2)
    typer.echo(created.token)


@app.command()
def revoke(key_id: str) -> None:
    with transaction() as conn:
        if not revoke_key(conn, key_id):
            typer.echo(f"no active key {key_id}", err=True)
            raise typer.Exit(1)
    typer.echo(f"revoked {key_id}")
