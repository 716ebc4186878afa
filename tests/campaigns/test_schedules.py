"""Campaign schedules: one-shot at the window start, or cron with the spec's overlap policy; idempotent."""

from datetime import datetime, timedelta, timezone

import pytest
from temporalio.client import ScheduleOverlapPolicy

from activities.campaign_tick import run_window
from core.settings import get_settings
from domain.campaigns.spec import CampaignSpec
from schedules.campaigns import delete_campaign_schedule, ensure_campaign_schedule, pause_campaign_schedule
from tests.conftest import unique


def _spec(**extra) -> CampaignSpec:
    start = datetime(2030, 5, 1, 12, 0, tzinfo=timezone.utc)
    return CampaignSpec.model_validate({
        "id": unique("sched"), "rooms": ["r"], "window": {"start": start.isoformat(),
                                                          "end": (start + timedelta(hours=2)).isoformat()},
        "rules": [{"id": "s", "trigger": {"type": "share"}, "reward": {"points": 1}}], **extra})


async def test_recurring_and_one_shot_schedules(client, database_url):
    weekly = _spec(recurrence={"cron": "0 20 * * 5", "overlap": "buffer_one"})
    sid = await ensure_campaign_schedule(client, weekly)
    assert await ensure_campaign_schedule(client, weekly) == sid  # again: updated, not duplicated
    desc = await client.get_schedule_handle(sid).describe()
    assert desc.schedule.policy.overlap == ScheduleOverlapPolicy.BUFFER_ONE
    assert desc.schedule.spec.cron_expressions == ["0 20 * * 5"] or desc.schedule.spec.calendars
    # the cron reads the operators' clock (LIVEPERKS_TIMEZONE, Asia/Shanghai): Friday 20:00 there is 12:00 UTC
    assert desc.schedule.spec.time_zone_name == get_settings().timezone == "Asia/Shanghai"
    assert [(t.weekday(), t.hour) for t in desc.info.next_action_times[:2]] == [(4, 12), (4, 12)]
    await pause_campaign_schedule(client, weekly.id)
    assert (await client.get_schedule_handle(sid).describe()).schedule.state.paused
    once = _spec()
    sid2 = await ensure_campaign_schedule(client, once)
    nxt = (await client.get_schedule_handle(sid2).describe()).info.next_action_times
    assert nxt and nxt[0] == once.window.start
    await delete_campaign_schedule(client, once.id)
    await delete_campaign_schedule(client, once.id)  # gone already: fine
    await delete_campaign_schedule(client, weekly.id)


async def test_a_recurring_campaign_may_name_its_cron_time_zone(client, database_url):
    weekly = _spec(recurrence={"cron": "0 20 * * 5", "time_zone": "Europe/London"})
    sid = await ensure_campaign_schedule(client, weekly)
    desc = await client.get_schedule_handle(sid).describe()
    assert desc.info.next_action_times[0] == datetime(2030, 5, 3, 19, 0, tzinfo=timezone.utc)  # 20:00 BST
    await delete_campaign_schedule(client, weekly.id)
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        _spec(recurrence={"cron": "0 20 * * 5", "time_zone": "Mars/Olympus"})


def test_recurring_runs_get_their_own_window_and_keys():
    spec = _spec(recurrence={"cron": "0 20 * * 5"})
    assert run_window(spec, None) == (spec.id, spec)
    later = datetime(2030, 5, 3, 20, 0, tzinfo=timezone.utc)
    run_id, moved = run_window(spec, later)
    assert run_id == f"{spec.id}@20300503T2000"
    assert moved.window.start == later and moved.window.end == later + timedelta(hours=2)
