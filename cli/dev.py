"""`liveperks dev up|down|status`."""

import typer
from rich.console import Console
from rich.table import Table

from core.settings import get_settings
from stack.dev import DevStack, PieceFailed

app = typer.Typer(help="The local stack: embedded PostgreSQL, Temporal dev server, worker, API.", no_args_is_help=True)
console = Console()


@app.command()
def up() -> None:
    """Start everything (data under LIVEPERKS_DATA_DIR, default .data/); keeps data across restarts."""
    stack = DevStack(get_settings())
    for proc in stack.crashed():
        console.print(f"[yellow]{proc.name} had crashed; its log: {proc.log_path}[/]")
    if stack.running() and not stack.crashed():
        console.print("[yellow]the stack is already running[/] (liveperks dev status; liveperks dev down to stop)")
        raise typer.Exit(0)
    try:
        stack.up(log=console.print)
    except PieceFailed as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(1)
    console.print("[green]up[/]")


@app.command()
def down() -> None:
    """Stop the worker, API, Temporal and PostgreSQL cleanly."""
    DevStack(get_settings()).down(log=console.print)


@app.command()
def status() -> None:
    """Which pieces run, and where their logs are; exits 1 when something crashed."""
    table = Table("piece", "running", "log")
    pieces = DevStack(get_settings()).status()
    for piece in pieces:
        table.add_row(piece.name, "yes" if piece.running else "no", piece.detail)
    console.print(table)
    if any("crashed" in p.detail for p in pieces):
        raise typer.Exit(1)
