"""`liveperks db upgrade`."""

import typer

from core.migrate import upgrade as run_upgrade
from core.settings import get_settings

app = typer.Typer(help="Database schema (alembic migrations).", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("heads")) -> None:
    """Apply migrations up to REVISION (default: all heads)."""
    run_upgrade(get_settings().resolved_database_url(), revision)
    typer.echo("database is up to date")
