"""`liveperks campaigns create|list|show|draws|pause|resume|stop|update|dry-run`."""

import asyncio
import json
from collections import Counter
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import typer
from pydantic import ValidationError

from clients import campaigns as ops
from core.db import transaction
from core.settings import get_settings
from core.temporal import connect
from domain.campaigns.dry_run import FrequencyCap
from domain.campaigns.dry_run import dry_run as play
from domain.campaigns.spec import Window
from domain.campaigns.spec_errors import parse_spec
from domain.errors import BadInput
from queries.campaign_draws import DrawPublic, campaign_draws
from queries.campaigns import list_campaigns, show_campaign
from queries.room_events import coupon_template_states, events_between, members_seen_before

app = typer.Typer(help="Live-room campaigns: points and coupons on triggers.", no_args_is_help=True)


def _spec(path: Path):
    try:
        return parse_spec(path.read_text(encoding="utf-8"), name=path.name)
    except BadInput as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2)


def _run(coro):
    async def go():
        return await coro(await connect())
    try:
        return asyncio.run(go())
    except BadInput as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2)


@app.command()
def create(path: Path) -> None:
    """Create the campaign in PATH (YAML or JSON) and schedule it at its window start."""
    spec = _spec(path)
    new = _run(lambda c: ops.create(c, spec))
    typer.echo(f"{spec.id}: {'created' if new else 'already exists (same spec)'}")


@app.command()
def update(path: Path) -> None:
    """Replace a campaign's spec (rules on/off/changed); a running campaign picks it up within a tick."""
    spec = _spec(path)
    typer.echo(f"{spec.id}: version {_run(lambda c: ops.update(c, spec))}")


@app.command("list")
def list_() -> None:
    with transaction() as conn:
        for c in list_campaigns(conn):
            typer.echo(f"{c.campaign_id}\t{c.status}\t{c.starts_at:%Y-%m-%d %H:%M}..{c.ends_at:%H:%M}\t{c.name}")


@app.command()
def show(campaign_id: str) -> None:
    with transaction() as conn:
        found = show_campaign(conn, campaign_id)
    if found is None:
        typer.echo(f"unknown campaign {campaign_id}", err=True)
        raise typer.Exit(1)
    typer.echo(found.model_dump_json(indent=2))


def _draw_line(d: DrawPublic) -> str:
    grants = ", ".join(f"{status} {n}" for status, n in sorted(Counter(d.grants.values()).items()))
    return (f"{d.drawn_at:%Y-%m-%d %H:%M:%S}  {d.rule_id}  room {d.room_id}: {len(d.winners)} of {len(d.entrants)} "
            f"entrants, seed {d.seed}: {'verified' if d.verified else 'DOES NOT MATCH'}; grants {grants or 'none'}")


@app.command()
def draws(campaign_id: str,
          as_json: bool = typer.Option(False, "--json", help="seeds, entrants and winners in full")) -> None:
    """The campaign's lottery draws, each re-drawn from its seed and entrants; exit 1 if one does not match."""
    with transaction() as conn:
        found = campaign_draws(conn, campaign_id)
    if found is None:
        typer.echo(f"unknown campaign {campaign_id}", err=True)
        raise typer.Exit(1)
    if as_json:
        typer.echo(json.dumps([d.model_dump(mode="json") for d in found], indent=2, ensure_ascii=False))
    else:
        typer.echo("\n".join(_draw_line(d) for d in found) or f"{campaign_id}: no lottery draws")
    if not all(d.verified for d in found):
        raise typer.Exit(1)


@app.command()
def pause(campaign_id: str) -> None:
    typer.echo(f"{campaign_id}: {_run(lambda c: ops.pause(c, campaign_id))}")


@app.command()
def resume(campaign_id: str) -> None:
    typer.echo(f"{campaign_id}: {_run(lambda c: ops.resume(c, campaign_id))}")


@app.command()
def stop(campaign_id: str) -> None:
    typer.echo(_run(lambda c: ops.stop(c, campaign_id)).model_dump_json(indent=2))


@app.command("dry-run")
def dry_run(path: Path, room: str = typer.Option(..., help="room whose recorded events to play"),
            from_: datetime = typer.Option(..., "--from", help="start (ISO time with zone)"),
            to: datetime = typer.Option(..., "--to", help="end (ISO time with zone)")) -> None:
    """Play the campaign over recorded events without granting anything."""
    spec = _spec(path)
    try:  # checked as a spec's window is: with a zone, end after start
        window = Window.model_validate({"start": from_, "end": to})
    except ValidationError as error:
        typer.echo(f"error: --from/--to: {error.errors()[0]['msg'].removeprefix('Value error, ')}", err=True)
        raise typer.Exit(2)
    moved = spec.model_copy(update={"window": window})
    templates = sorted({r.reward.coupon_template for r in moved.all_rules() if r.reward.coupon_template})
    settings = get_settings()
    with transaction() as conn:
        events = events_between(conn, room, from_, to)
        seen = members_seen_before(conn, room, from_, shop="shop" in moved.newcomer_scopes())
        states = coupon_template_states(conn, templates)
    r = play(moved, events, gap_s=settings.heartbeat_gap_seconds, seen_before=seen, templates=states,
             cap=FrequencyCap(settings.coupon_cap_count, settings.coupon_cap_window_seconds),
             points_per_yuan=Decimal(settings.points_per_yuan))
    typer.echo(json.dumps({
        "events": r.events, "grants_by_rule": dict(r.grants_by_rule),
        "members_by_rule": {k: len(v) for k, v in r.members_by_rule.items()},
        "points": r.points, "coupons_by_template": dict(r.coupons), "coupon_value_yuan": r.coupon_fen / 100,
        "budget_runs_out_at": r.runs_out, "refused": {rule: dict(why) for rule, why in r.refused.items()},
        "order_bonus_points_estimate": dict(r.order_bonus),
        "not_simulated": "risk decisions (they depend on the live history of devices and IPs)"}, indent=2))
