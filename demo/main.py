"""`liveperks demo`: start the embedded stack and play every area's demo step, then summarize."""

import asyncio
import importlib

from rich.console import Console
from rich.table import Table

from activities.api_keys import create_key
from activities.ledger_verify import verify_ledger
from core.db import transaction
from core.settings import get_settings
from core.temporal import connect
from demo.context import DemoContext
from stack.dev import DevStack

# Played in this order; a step whose module is absent is skipped with a note.
STEPS = ["settlement", "coupons", "campaigns", "risk", "report"]


def main() -> None:
    console = Console()
    settings = get_settings()
    stack = DevStack(settings)
    if not (stack.running() and not stack.crashed()):
        console.rule("starting the embedded stack")
        stack.up(log=console.print)
    asyncio.run(_play(console))


async def _play(console: Console) -> None:
    settings = get_settings()
    with transaction() as conn:
        tokens = {role: create_key(conn, name=f"demo-{role}", role=role).token
                  for role in ("order-system", "operator", "live-platform")}
    ctx = DemoContext(client=await connect(), api_url=f"http://{settings.api_host}:{settings.api_port}",
                      tokens=tokens, console=console)
    for name in STEPS:
        try:
            step = importlib.import_module(f"demo.steps.{name}")
        except ModuleNotFoundError:
            continue
        console.rule(name)
        await step.play(ctx)
    with transaction() as conn:
        report = verify_ledger(conn)
    ctx.summary.append(("ledger", "verified", "yes" if report.ok else f"NO: {report.problems[:3]}"))
    _print_summary(console, ctx)
    console.print(f"Temporal Web UI: http://127.0.0.1:{settings.temporal_ui_port}" if settings.embedded_temporal
                  else f"Temporal: {settings.resolved_temporal_address()}")
    console.print(f"API docs:        {ctx.api_url}/docs")
    console.print("The stack keeps running: `liveperks dev down` stops it.")
    if not report.ok:
        raise SystemExit(1)


def _print_summary(console: Console, ctx: DemoContext) -> None:
    table = Table("area", "figure", "value", title="liveperks demo")
    for row in ctx.summary:
        table.add_row(*row)
    console.print(table)
