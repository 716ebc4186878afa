"""`liveperks risk train|evaluate|promote|models|review` for operators and data people."""

import asyncio
import json
from pathlib import Path

import typer

from core.settings import get_settings

app = typer.Typer(help="Risk scoring: models, evaluation and the review queue.", no_args_is_help=True)


@app.command()
def train(days: int = typer.Option(None, help="training window in days (default: setting)"),
          kind: str = typer.Option(None, help="anomaly or classifier (default: classifier when labels exist)"),
          promote_after: bool = typer.Option(True, "--promote/--no-promote", help="run the promotion gate")) -> None:
    """Train a candidate on the database's recent events (what RiskTrainingWorkflow does daily)."""
    from activities.risk_models import promote, train_from_database
    from core.db import transaction

    with transaction() as conn:
        result = train_from_database(conn, days or get_settings().risk_training_days, kind)
    typer.echo(result.model_dump_json(indent=2))
    if result.version and promote_after:
        with transaction() as conn:
            typer.echo(promote(conn, result.version, "cli:train").model_dump_json(indent=2))


@app.command()
def promote(version: str, by: str = typer.Option("cli", help="who promotes"),
            force: bool = typer.Option(False, help="skip the not-worse gate")) -> None:
    """Promote a candidate model to serving (through the gate unless --force)."""
    from activities.risk_models import promote as do_promote
    from core.db import transaction

    with transaction() as conn:
        result = do_promote(conn, version, by, force)
    typer.echo(result.model_dump_json(indent=2))
    if not result.promoted:
        raise typer.Exit(1)


@app.command()
def models() -> None:
    """The model registry, newest first."""
    from core.db import transaction
    from queries.risk import models as list_models

    with transaction() as conn:
        for row in list_models(conn):
            m = row["metrics"]
            typer.echo(f"{row['version']:32} {row['kind']:10} {row['status']:9} roc_auc={m.get('roc_auc')} "
                       f"pr_auc={m.get('pr_auc')} by={row['promoted_by'] or '-'} {row['note']}")


@app.command()
def evaluate(events: Path = typer.Option(..., exists=True, dir_okay=False, help="CSV or TSV event log"),
             map: str = typer.Option(..., "--map", help="ip=COL,device=COL,member=COL,room=COL,time=COL,label=COL"),
             context: str = typer.Option("", help="extra categorical columns, COL,COL"),
             label_means: str = typer.Option("fraud", help="what label=1 means: fraud or genuine")) -> None:
    """Train and evaluate on a labeled log: earliest 75% train, latest 25% test. Last line is JSON."""
    from risk.evaluate import evaluate_file

    from domain.errors import BadInput

    settings = get_settings()
    try:
        m = evaluate_file(events, map, context, label_means, settings.risk_hold_above, settings.risk_deny_above)
    except BadInput as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2)
    typer.echo(f"{m['file']}: {m['train_rows']} rows train, {m['rows']} test ({m['positives']} fraud), "
               f"{m['features']} features")
    typer.echo(f"ROC-AUC {m['roc_auc']}  PR-AUC {m['pr_auc']}")
    for name, t in (("hold", settings.risk_hold_above), ("deny", settings.risk_deny_above)):
        typer.echo(f"at {name} >= {t}: precision {m[f'precision_at_{name}']} recall {m[f'recall_at_{name}']} "
                   f"({m[f'flagged_at_{name}']} flagged)")
    typer.echo(json.dumps(m))


@app.command()
def review(approve: list[int] = typer.Option([], help="decision id to approve (repeatable)"),
           reject: list[int] = typer.Option([], help="decision id to reject (repeatable)"),
           by: str = typer.Option("cli", help="reviewer name"), note: str = "") -> None:
    """List held grants, or approve/reject them."""
    from activities.risk_review import decide, signal_settlement
    from core.db import transaction
    from queries.risk import held_decisions

    if not approve and not reject:
        with transaction() as conn:
            for d in held_decisions(conn):
                typer.echo(f"#{d['id']} {d['reference']} {d['kind']} member={d['member_id']} value={d['value']} "
                           f"score={d['score']:.2f} {'; '.join(d['reasons'] + d['top_features'])}")
        return

    async def go() -> None:
        from core.temporal import connect

        client = None
        for decision_id, ok in [(i, True) for i in approve] + [(i, False) for i in reject]:
            with transaction() as conn:
                outcome = decide(conn, decision_id, approve=ok, reviewer=f"cli:{by}", note=note)
            if outcome.kind == "order_points":
                client = client or await connect()
                await signal_settlement(client, outcome)
            typer.echo(outcome.model_dump_json())
    asyncio.run(go())
