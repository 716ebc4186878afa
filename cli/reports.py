"""`liveperks reports build|list|schedule|index`: the weekly effectiveness report."""

import asyncio
from datetime import date, datetime

import typer

from core.db import transaction
from core.settings import get_settings
from domain.errors import BadInput
from domain.report_period import period

app = typer.Typer(help="Weekly effectiveness reports (HTML).", no_args_is_help=True)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(f"{value!r} is not a date like 2026-11-16") from error


@app.command()
def build(period_from: str = typer.Option(..., "--from", help="first local day, e.g. 2026-11-09"),
          period_to: str = typer.Option(..., "--to", help="last local day, inclusive, e.g. 2026-11-15"),
          tz: str = typer.Option("", help="time zone (default: LIVEPERKS_TIMEZONE, Asia/Shanghai)")) -> None:
    """Build (or rebuild) the report for any period and print the path of its HTML file."""
    from reports.build import build_report

    settings = get_settings()
    try:
        p = period(_day(period_from), _day(period_to), tz or settings.timezone)
    except BadInput as error:
        raise typer.BadParameter(str(error)) from error
    with transaction() as conn:
        result = build_report(conn, p, settings, parallel=True)
    typer.echo(f"report {result.report_id} built in {result.seconds:.1f}s")
    typer.echo(result.path)


@app.command("list")
def list_() -> None:
    """Every recorded report: id, period, kind, file."""
    from queries.reports import list_reports

    with transaction() as conn:
        for r in list_reports(conn, 1000):
            typer.echo(f"{r.id}\t{r.period_from} – {r.period_to}\t{r.kind}\t{r.path}")


@app.command()
def schedule() -> None:
    """Create or update the Monday 09:00 weekly report schedule on Temporal (idempotent)."""
    from core.temporal import connect
    from schedules.reports import ensure_report_schedules

    async def go() -> list[str]:
        return await ensure_report_schedules(await connect())

    ids = asyncio.run(go())
    typer.echo(f"{', '.join(ids)}: ensured (Mondays 09:00 {get_settings().timezone}, for the week before)")


@app.command()
def index() -> None:
    """Rewrite index.html in the reports folder and print its path."""
    from reports.build import write_index

    settings = get_settings()
    with transaction() as conn:
        typer.echo(write_index(conn, settings.resolved_reports_dir(), settings))


@app.command("experiment")
def experiment(experiment_id: str = typer.Option(..., "--id"), rule_id: str = typer.Option(..., "--rule"),
               variant: list[str] = typer.Option(..., help="NAME=SHARE, repeat, e.g. --variant '10 yuan=0.45'"),
               holdout: float = typer.Option(0.1, help="share that gets nothing"), name: str = "",
               starts: str = typer.Option("", help="ISO time; default now")) -> None:
    """Run a campaign rule as an experiment with variants and a holdout (idempotent by --id)."""
    from activities.experiments import create_experiment
    from models.experiments import ExperimentCreate, Variant

    try:
        variants = [Variant(name=v.rsplit("=", 1)[0], share=float(v.rsplit("=", 1)[1])) for v in variant]
        exp = ExperimentCreate(experiment_id=experiment_id, rule_id=rule_id, name=name, holdout_share=holdout,
                               variants=variants, starts_at=datetime.fromisoformat(starts) if starts
                               else datetime.now().astimezone())
        with transaction() as conn:
            created = create_experiment(conn, exp)
    except (ValueError, IndexError) as error:  # BadInput is a ValueError
        raise typer.BadParameter(str(error)) from error
    typer.echo(f"experiment {experiment_id}: {'created' if created else 'already exists'}")
