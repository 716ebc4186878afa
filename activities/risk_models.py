"""Risk model registry activities: train a candidate from the database, promote it through the gate."""

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.engine import Connection
from temporalio import activity

from core.db import transaction
from core.settings import get_settings
from domain.risk.features import FeatureSpec
from domain.risk.gate import should_promote
from models.risk import PromoteInput, PromoteResult, TrainInput, TrainResult
from queries.risk import labels, window_events
from risk.model import RiskModel, sha256
from risk.serving import serving_model
from risk.training import event_labels, ring_members, train_and_evaluate


def save_model(conn: Connection, model: RiskModel, metrics: dict, *, since: datetime | None, until: datetime | None,
               note: str = "") -> str:
    version = f"{model.kind[:3]}-{datetime.now(timezone.utc):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
    blob = model.to_bytes()
    conn.execute(text(
        "INSERT INTO risk_model (version, kind, status, train_from, train_to, features, metrics, artifact, "
        "artifact_sha256, note) VALUES (:v, :k, 'candidate', :f, :t, CAST(:feat AS jsonb), CAST(:m AS jsonb), :a, "
        ":h, :n)"), {"v": version, "k": model.kind, "f": since, "t": until, "feat": _json(model.feature_names),
                     "m": _json(metrics), "a": blob, "h": sha256(blob), "n": note})
    return version


def _json(value) -> str:
    import json

    return json.dumps(value, default=str)


def label_rings(conn: Connection, log) -> int:
    """Propagate confirmed fraud to the accounts sharing its device or IP in the training window
    (risk.training.ring_members), stored as labels with source 'ring' (idempotent). Returns how many
    ring labels the window has."""
    ring = ring_members(log, labels(conn, exclude_sources=("ring",)))
    if ring:
        conn.execute(text(
            "INSERT INTO risk_label (entity_kind, entity, label, source, reference, note) "
            "SELECT 'member', m, 'fraud', 'ring', via, 'shares ' || via || ' with a confirmed fraud account' "
            "FROM unnest(CAST(:m AS text[]), CAST(:via AS text[])) AS x(m, via) "
            "ON CONFLICT ON CONSTRAINT uq_risk_label_key DO NOTHING"),
            {"m": list(ring), "via": list(ring.values())})
    return len(ring)


def train_from_database(conn: Connection, days: int, kind: str | None = None) -> TrainResult:
    settings = get_settings()
    until = datetime.now(timezone.utc)
    since = until - timedelta(days=days)
    log = window_events(conn, since=since, until=until)
    if len(log) < 50:
        return TrainResult(skipped=f"only {len(log)} events in the last {days} days; need 50")
    rings = label_rings(conn, log)
    served = serving_model(conn)
    trained = train_and_evaluate(log, event_labels(log, labels(conn)), FeatureSpec(), settings.risk_hold_above,
                                 settings.risk_deny_above, serving=served[1] if served else None, kind=kind)
    trained.metrics["ring_labels"] = rings
    metrics = dict(trained.metrics, serving_on_holdout=trained.serving_metrics,
                   serving_version=served[0] if served else None)
    version = save_model(conn, trained.model, metrics, since=since, until=until)
    return TrainResult(version=version, kind=trained.model.kind, metrics=trained.metrics,
                       serving_metrics=trained.serving_metrics or {}, serving_version=served[0] if served else None)


def promote(conn: Connection, version: str, promoted_by: str, force: bool = False) -> PromoteResult:
    row = conn.execute(text("SELECT status, metrics FROM risk_model WHERE version = :v FOR UPDATE"),
                       {"v": version}).first()
    current = conn.execute(text("SELECT version FROM risk_model WHERE status = 'serving' FOR UPDATE")).scalar()
    if row is None:
        return PromoteResult(promoted=False, version=version, reason="no such model", serving_version=current)
    if row.status == "serving":
        return PromoteResult(promoted=True, version=version, reason="already serving", serving_version=version)
    measured_against = row.metrics.get("serving_version")
    if force:
        ok, reason = True, f"forced by {promoted_by}"
    elif current and measured_against != current:
        ok, reason = False, f"candidate was measured against {measured_against}, but {current} serves now: retrain"
    else:
        ok, reason = should_promote(row.metrics, row.metrics.get("serving_on_holdout") if current else None)
    if not ok:
        conn.execute(text("UPDATE risk_model SET status = 'rejected', note = :n WHERE version = :v"),
                     {"v": version, "n": reason})
        return PromoteResult(promoted=False, version=version, reason=reason, serving_version=current)
    conn.execute(text("UPDATE risk_model SET status = 'retired' WHERE status = 'serving'"))
    conn.execute(text("UPDATE risk_model SET status = 'serving', promoted_by = :by, promoted_at = now(), note = :n "
                      "WHERE version = :v"), {"v": version, "by": promoted_by, "n": reason})
    return PromoteResult(promoted=True, version=version, reason=reason, serving_version=version)


@activity.defn(name="train_risk_model")
def train_risk_model(inp: TrainInput) -> TrainResult:
    with transaction() as conn:
        return train_from_database(conn, inp.days)


@activity.defn(name="promote_risk_model")
def promote_risk_model(inp: PromoteInput) -> PromoteResult:
    with transaction() as conn:
        return promote(conn, inp.version, inp.promoted_by, inp.force)
