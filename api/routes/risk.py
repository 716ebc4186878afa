"""Operators: the risk review queue, labels and the model registry."""

from datetime import datetime

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from temporalio.client import Client

from activities.risk_review import ReviewOutcome, decide, record_label, signal_settlement
from api.deps import require, temporal
from core.db import transaction
from models.api_keys import ApiKey, Role
from queries.risk import held_decisions, models

router = APIRouter(prefix="/v1/risk", tags=["risk"])
operator = require(Role.OPERATOR)


class HeldDecision(BaseModel):
    id: int
    reference: str
    kind: str
    member_id: str
    device_id: str
    ip: str
    room_id: str
    value: int
    score: float
    model_version: str
    reasons: list[str]
    top_features: list[str]
    created_at: datetime


class ReviewNote(BaseModel):
    note: str = ""


class LabelIn(BaseModel):
    entity_kind: str  # member / device / ip
    entity: str
    label: str  # fraud / genuine
    source: str  # chargeback / ring / review
    reference: str
    note: str = ""


class LabelOut(BaseModel):
    recorded: bool


class ModelRow(BaseModel):
    version: str
    kind: str
    status: str
    metrics: dict
    artifact_sha256: str
    promoted_by: str | None
    note: str
    n_features: int
    created_at: datetime


@router.get("/review", response_model=list[HeldDecision])
def review_queue(limit: int = Query(100, ge=1, le=1000), after_id: int = 0, member_id: str | None = None,
                 _: ApiKey = Depends(operator)) -> list[HeldDecision]:
    """Held grants waiting for a reviewer, oldest first, with the score and reasons in words; pass the last id
    seen as after_id for the next page."""
    with transaction() as conn:
        return [HeldDecision(**row) for row in held_decisions(conn, limit=limit, after_id=after_id,
                                                               member_id=member_id)]


async def _review(decision_id: int, approve: bool, note: str, key: ApiKey, client: Client) -> ReviewOutcome:
    with transaction() as conn:
        outcome = decide(conn, decision_id, approve=approve, reviewer=f"api:{key.name}", note=note)
    await signal_settlement(client, outcome)
    return outcome


@router.post("/review/{decision_id}/approve", response_model=ReviewOutcome)
async def approve(decision_id: int, body: ReviewNote | None = None, key: ApiKey = Depends(operator),
                  client: Client = Depends(temporal)) -> ReviewOutcome:
    """Approve a held grant: the grant is made (order settles, campaign grant released)."""
    return await _review(decision_id, True, body.note if body else "", key, client)


@router.post("/review/{decision_id}/reject", response_model=ReviewOutcome)
async def reject(decision_id: int, body: ReviewNote | None = None, key: ApiKey = Depends(operator),
                 client: Client = Depends(temporal)) -> ReviewOutcome:
    """Reject a held grant: it is cancelled and the member and device are labelled fraud."""
    return await _review(decision_id, False, body.note if body else "", key, client)


@router.post("/labels", response_model=LabelOut)
def add_label(label: LabelIn, _: ApiKey = Depends(operator)) -> LabelOut:
    """Record ground truth (a chargeback, a confirmed ring) for the next training run. Idempotent."""
    with transaction() as conn:
        return LabelOut(recorded=record_label(conn, **label.model_dump()))


@router.get("/models", response_model=list[ModelRow])
def list_models(_: ApiKey = Depends(operator)) -> list[ModelRow]:
    """The model registry, newest first; status 'serving' marks the one in use."""
    with transaction() as conn:
        return [ModelRow(**{k: v for k, v in row.items() if k in ModelRow.model_fields}) for row in models(conn)]
