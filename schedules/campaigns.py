"""Each campaign's Temporal Schedule: starts CampaignWorkflow at the window start (or on a cron
for recurring campaigns, with the spec's overlap policy). Every helper is idempotent."""

from datetime import datetime, timedelta, timezone

from temporalio.client import (Client, Schedule, ScheduleActionStartWorkflow, ScheduleCalendarSpec,
                               ScheduleOverlapPolicy, SchedulePolicy, ScheduleRange, ScheduleSpec, ScheduleState)
from temporalio.service import RPCError

from core.settings import get_settings
from domain.campaigns.spec import CampaignSpec
from schedules.upsert import upsert_schedule
from models.campaign_run import CampaignRun
from workflows.campaign import campaign_workflow_id

OVERLAP = {"skip": ScheduleOverlapPolicy.SKIP, "buffer_one": ScheduleOverlapPolicy.BUFFER_ONE,
           "cancel_other": ScheduleOverlapPolicy.CANCEL_OTHER, "terminate_other": ScheduleOverlapPolicy.TERMINATE_OTHER,
           "allow_all": ScheduleOverlapPolicy.ALLOW_ALL}


def schedule_id(campaign_id: str) -> str:
    return f"campaign-{campaign_id}"


def _one_shot(at: datetime) -> ScheduleSpec:
    at = at.astimezone(timezone.utc)
    r = lambda v: (ScheduleRange(v),)  # noqa: E731
    return ScheduleSpec(calendars=[ScheduleCalendarSpec(second=r(at.second), minute=r(at.minute), hour=r(at.hour),
                                                        day_of_month=r(at.day), month=r(at.month), year=r(at.year))])


def build_schedule(spec: CampaignSpec, *, tick_seconds: float | None = None, paused: bool = False) -> Schedule:
    settings = get_settings()
    run = CampaignRun(campaign_id=spec.id, recurring=spec.recurrence is not None,
                      tick_seconds=tick_seconds or settings.campaign_tick_seconds,
                      busy_pause_ms=settings.campaign_busy_pause_ms,
                      lane_seconds=settings.campaign_lane_seconds,
                      ticks_per_run=settings.campaign_ticks_per_run,
                      parallel_rooms=settings.campaign_parallel_rooms)
    action = ScheduleActionStartWorkflow("CampaignWorkflow", run, id=campaign_workflow_id(spec.id),
                                         task_queue=settings.task_queue)
    if spec.recurrence:
        return Schedule(action=action, spec=ScheduleSpec(
                            cron_expressions=[spec.recurrence.cron], start_at=spec.window.start,
                            time_zone_name=spec.recurrence.time_zone or settings.timezone),
                        policy=SchedulePolicy(overlap=OVERLAP[spec.recurrence.overlap]),
                        state=ScheduleState(note=f"campaign {spec.id}", paused=paused))
    return Schedule(action=action, spec=_one_shot(spec.window.start),
                    policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
                    state=ScheduleState(note=f"campaign {spec.id}", paused=paused))


def window_started(spec: CampaignSpec) -> bool:
    return spec.window.start <= datetime.now(timezone.utc) + timedelta(seconds=1)


async def ensure_campaign_schedule(client: Client, spec: CampaignSpec, *, tick_seconds: float | None = None,
                                   paused: bool = False) -> str:
    """Create the schedule, or bring an existing one up to date (kept paused for a paused campaign). A
    one-shot window that has already started (and not ended) is triggered at once, unless paused: that
    is also how a campaign paused through its start time starts when resumed, since a paused schedule
    skips its actions for good."""
    schedule = build_schedule(spec, tick_seconds=tick_seconds, paused=paused)
    sid = schedule_id(spec.id)
    handle = await upsert_schedule(client, sid, schedule)
    now = datetime.now(timezone.utc)
    if spec.recurrence is None and not paused and window_started(spec) and now < spec.window.end:
        await handle.trigger(overlap=ScheduleOverlapPolicy.SKIP)
    return sid


async def pause_campaign_schedule(client: Client, campaign_id: str, *, pause: bool = True) -> None:
    handle = client.get_schedule_handle(schedule_id(campaign_id))
    try:
        await (handle.pause() if pause else handle.unpause())
    except RPCError:
        pass  # no schedule: nothing to pause


async def delete_campaign_schedule(client: Client, campaign_id: str) -> None:
    try:
        await client.get_schedule_handle(schedule_id(campaign_id)).delete()
    except RPCError:
        pass  # already gone
