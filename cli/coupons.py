"""`liveperks coupons ...`: templates, issuing, a member's coupons, checkout validation, expiry."""

import asyncio
import json
import uuid
from datetime import datetime, timezone
from pathlib import Path

import typer

from activities.coupon_issue import issue_coupon
from activities.coupon_templates import list_templates, set_active, upsert_template
from core.db import transaction
from core.settings import get_settings
from core.temporal import connect
from domain.errors import BadInput
from models.checkout import CheckoutRequest
from models.coupon_api import TemplateSpec
from queries.checkout import validate_checkout
from queries.coupons import member_coupons

app = typer.Typer(help="Coupon templates, issuing, checkout validation, expiry.", no_args_is_help=True)
templates = typer.Typer(help="Coupon templates (operators).", no_args_is_help=True)
app.add_typer(templates, name="templates")


def _objects(path: Path) -> list[dict]:
    data = json.loads(path.read_text())
    return data if isinstance(data, list) else [data]


def _fail(error: Exception) -> None:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(2)


@templates.command("create")
def create_templates(path: Path) -> None:
    """Create or update the template(s) in PATH (a JSON object or array of TemplateSpec)."""
    try:
        with transaction() as conn:
            for item in _objects(path):
                template, created = upsert_template(conn, TemplateSpec.model_validate(item))
                typer.echo(f"{'created' if created else 'updated'} {template.id}")
    except (BadInput, ValueError) as error:
        _fail(error)


@templates.command("list")
def show_templates() -> None:
    """Every template: kind, issued / stock, budget used."""
    with transaction() as conn:
        for t in list_templates(conn):
            stock = "unlimited" if t.stock is None else t.stock
            typer.echo(f"{t.id}\t{t.kind}\t{t.name}\tissued {t.issued}/{stock}\tbudget used {t.budget_used}"
                       f"\t{'active' if t.active else 'inactive'}")


@templates.command("deactivate")
def deactivate(template_id: str) -> None:
    """Stop issuing from a template; coupons already issued stay usable."""
    with transaction() as conn:
        if not set_active(conn, template_id, False):
            _fail(BadInput(f"unknown coupon template {template_id}"))
    typer.echo(f"deactivated {template_id}")


@app.command("issue")
def issue(template_id: str, member_id: str,
          key: str = typer.Option(None, help="idempotency key (default: a fresh one)"),
          room: str = typer.Option("", help="room the coupon is tied to")) -> None:
    """Issue one coupon of TEMPLATE_ID to MEMBER_ID."""
    with transaction() as conn:
        out = issue_coupon(conn, template_id=template_id, member_id=member_id, idempotency_key=key or
                           f"cli:{uuid.uuid4().hex}", source="cli", now=datetime.now(timezone.utc), room_id=room)
    typer.echo(out.model_dump_json())
    if out.coupon_code is None:
        raise typer.Exit(1)


@app.command("list")
def list_coupons(member_id: str, status: str = typer.Option(None, help="available | used | expired")) -> None:
    """A member's coupons."""
    with transaction() as conn:
        for c in member_coupons(conn, member_id, status):
            typer.echo(f"{c.code}\t{c.template_id}\t{c.status}\t{c.face_value}\tuntil {c.valid_until:%Y-%m-%d %H:%M}")


@app.command("validate")
def validate(path: Path) -> None:
    """Validate a cart with coupon codes (CheckoutRequest JSON): each coupon's verdict and the best combination."""
    try:
        with transaction() as conn:
            result = validate_checkout(conn, CheckoutRequest.model_validate_json(path.read_text()))
    except (BadInput, ValueError) as error:
        _fail(error)
    typer.echo(result.model_dump_json(indent=2))


@app.command("expire")
def expire() -> None:
    """Run ExpireCouponsWorkflow now (it also runs nightly on its schedule)."""
    async def go() -> dict:
        client = await connect()
        return await client.execute_workflow("ExpireCouponsWorkflow", id=f"expire-coupons-{uuid.uuid4().hex[:8]}",
                                             task_queue=get_settings().task_queue, result_type=dict)
    typer.echo(json.dumps(asyncio.run(go())))
