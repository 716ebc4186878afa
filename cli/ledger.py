"""`liveperks ledger verify`."""

import typer

from activities.ledger_verify import verify_ledger
from core.db import transaction

app = typer.Typer(help="The points ledger.", no_args_is_help=True)


@app.command()
def verify() -> None:
    """Recompute every balance from postings; exit 1 and list differences if any."""
    with transaction() as conn:
        report = verify_ledger(conn)
    for problem in report.problems:
        typer.echo(problem)
    typer.echo(f"{report.entries} entries, {report.members} members: "
               + ("ledger verified" if report.ok else f"{len(report.problems)} problems"))
    if not report.ok:
        raise typer.Exit(1)
