"""Operator actions on campaigns: the database row first (authoritative), then the schedule and the
running workflow (signals make them take effect at once rather than at the next tick)."""

from datetime import datetime, timezone

from temporalio.client import Client
from temporalio.service import RPCError

from activities.campaign_store import create_campaign, load_spec, set_status, summarize, update_campaign
from core.db import transaction
from domain.campaigns.spec import CampaignSpec
from models.campaign_run import CampaignSummary
from schedules.campaigns import (delete_campaign_schedule, ensure_campaign_schedule, pause_campaign_schedule,
                                 window_started)


def _workflow_id(campaign_id: str) -> str:
    with transaction() as conn:
        from sqlalchemy import text
        return conn.execute(text("SELECT workflow_id FROM campaign WHERE campaign_id = :c"),
                            {"c": campaign_id}).scalar() or ""


async def _signal(client: Client, campaign_id: str, name: str, *args) -> bool:
    wf = _workflow_id(campaign_id)
    if not wf:
        return False
    try:
        await client.get_workflow_handle(wf).signal(name, *args)
        return True
    except RPCError:
        return False  # not running (ended, or not started yet)


async def create(client: Client, spec: CampaignSpec, *, tick_seconds: float | None = None) -> bool:
    with transaction() as conn:
        new = create_campaign(conn, spec)
    await ensure_campaign_schedule(client, spec, tick_seconds=tick_seconds)
    return new


async def update(client: Client, spec: CampaignSpec) -> int:
    with transaction() as conn:
        version = update_campaign(conn, spec)
        status = load_spec(conn, spec.id).status
    await ensure_campaign_schedule(client, spec, paused=status == "paused")
    await _signal(client, spec.id, "update", version)
    return version


async def pause(client: Client, campaign_id: str) -> str:
    with transaction() as conn:
        status = set_status(conn, campaign_id, "paused")
    await pause_campaign_schedule(client, campaign_id)
    await _signal(client, campaign_id, "pause")
    return status


async def resume(client: Client, campaign_id: str) -> str:
    """Unpause. The schedule is written again rather than just unpaused: a campaign paused before its
    window started missed its one start, and this triggers it once the window is open."""
    with transaction() as conn:
        spec = load_spec(conn, campaign_id).spec
        status = set_status(conn, campaign_id, "running" if window_started(spec) else "scheduled")
    if status == "stopped":
        return status
    if spec.is_over(datetime.now(timezone.utc)):
        await stop(client, campaign_id)  # over while paused: no start will come, so it ends here, with its summary
        return "stopped"
    await ensure_campaign_schedule(client, spec)
    await _signal(client, campaign_id, "resume")
    return status


async def stop(client: Client, campaign_id: str) -> CampaignSummary:
    """Stop now: the workflow writes the summary on its way out; without one we write it here."""
    if not await _signal(client, campaign_id, "stop"):
        from activities.campaign_tick import finish_campaign
        from models.campaign_run import FinishInput
        summary = finish_campaign(FinishInput(campaign_id=campaign_id))
    else:
        with transaction() as conn:
            set_status(conn, campaign_id, "stopped")
            summary = summarize(conn, campaign_id)
    await delete_campaign_schedule(client, campaign_id)
    return summary
