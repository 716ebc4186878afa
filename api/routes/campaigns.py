"""Operators: create, list, show, pause, resume, stop and update campaigns; review held grants."""

from fastapi import APIRouter, Body, Depends, HTTPException
from pydantic import BaseModel
from temporalio.client import Client

from activities.campaign_grants import release_held_grant
from api.deps import require, temporal
from clients import campaigns as ops
from core.db import transaction
from domain.campaigns.spec_errors import spec_from_json
from models.api_keys import Role
from models.campaign_run import CampaignSummary
from queries.campaign_draws import DrawPublic, campaign_draws
from queries.campaigns import CampaignPublic, list_campaigns, show_campaign

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"], dependencies=[Depends(require(Role.OPERATOR))])


class Changed(BaseModel):
    campaign_id: str
    status: str = ""
    version: int | None = None
    created: bool | None = None


@router.post("", response_model=Changed)
async def create(spec: dict = Body(..., description="a campaign spec (see docs/campaigns.md)"),
                 client: Client = Depends(temporal)) -> Changed:
    """Create a campaign and its schedule; the same spec again is a no-op."""
    parsed = spec_from_json(spec)
    return Changed(campaign_id=parsed.id, created=await ops.create(client, parsed), status="scheduled")


@router.get("", response_model=list[CampaignPublic])
def list_() -> list[CampaignPublic]:
    """Every campaign with its status."""
    with transaction() as conn:
        return list_campaigns(conn)


@router.get("/{campaign_id}", response_model=CampaignPublic)
def show(campaign_id: str) -> CampaignPublic:
    """The spec, status and live summary (grants by rule, cost, suppressed, held, exhausted budgets)."""
    with transaction() as conn:
        found = show_campaign(conn, campaign_id)
    if found is None:
        raise HTTPException(404, f"unknown campaign {campaign_id}")
    return found


@router.get("/{campaign_id}/draws", response_model=list[DrawPublic])
def draws(campaign_id: str) -> list[DrawPublic]:
    """The campaign's lottery draws: seed, entrants and winners, re-drawn to verify them, and each
    winner's grant."""
    with transaction() as conn:
        found = campaign_draws(conn, campaign_id)
    if found is None:
        raise HTTPException(404, f"unknown campaign {campaign_id}")
    return found


@router.put("/{campaign_id}", response_model=Changed)
async def update(campaign_id: str, spec: dict = Body(...), client: Client = Depends(temporal)) -> Changed:
    """Replace the spec while running (enable, disable or change rules); effective at the next tick."""
    parsed = spec_from_json(spec)
    if parsed.id != campaign_id:
        raise HTTPException(422, f"spec id {parsed.id} does not match {campaign_id}")
    return Changed(campaign_id=campaign_id, version=await ops.update(client, parsed))


@router.post("/{campaign_id}/pause", response_model=Changed)
async def pause(campaign_id: str, client: Client = Depends(temporal)) -> Changed:
    """Pause: no grants until resumed."""
    return Changed(campaign_id=campaign_id, status=await ops.pause(client, campaign_id))


@router.post("/{campaign_id}/resume", response_model=Changed)
async def resume(campaign_id: str, client: Client = Depends(temporal)) -> Changed:
    """Resume a paused campaign; events that arrived meanwhile are evaluated."""
    return Changed(campaign_id=campaign_id, status=await ops.resume(client, campaign_id))


@router.post("/{campaign_id}/stop", response_model=CampaignSummary)
async def stop(campaign_id: str, client: Client = Depends(temporal)) -> CampaignSummary:
    """Stop for good; returns the summary."""
    return await ops.stop(client, campaign_id)


class Review(BaseModel):
    approve: bool


@router.post("/grants/{grant_id}/review", response_model=Changed)
def review(grant_id: int, body: Review) -> Changed:
    """Approve (grant) or reject a held grant; idempotent."""
    with transaction() as conn:
        status = release_held_grant(conn, grant_id=grant_id, approve=body.approve)
    if status == "unknown":
        raise HTTPException(404, f"unknown grant {grant_id}")
    return Changed(campaign_id="", status=status)
