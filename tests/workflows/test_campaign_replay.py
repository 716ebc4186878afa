"""Campaign workflows already running when a new worker starts must replay: a history recorded by the
code before patch "busy-pause-in-tick" (its busy ticks waited on 0.2 s timers) replays on today's code,
and so does one of room lanes from before a lane's activity kept ticking (one tick per activity).

The history was recorded on 2 Dec 2026 by running commit a937262's worker against a campaign with three
shares 0.7 s apart, then idle ticks, and saving `fetch_history().to_json()`. Taking the patch guard out
of workflows/campaign.py makes this test fail with a nondeterminism error."""

from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.campaign import CampaignWorkflow

RECORDED = Path(__file__).parent / "histories" / "campaign_before_busy_pause_patch.json"


async def test_a_history_from_before_the_busy_pause_patch_replays():
    history = WorkflowHistory.from_json("campaign-recorded", RECORDED.read_text())
    timers = [e.timer_started_event_attributes.start_to_fire_timeout.ToMilliseconds() for e in history.events
              if e.HasField("timer_started_event_attributes")]
    assert 200 in timers and 1000 in timers  # busy pauses and idle intervals, both on timers back then
    await Replayer(workflows=[CampaignWorkflow], data_converter=pydantic_data_converter).replay_workflow(history)


LANES_ONE_TICK = Path(__file__).parent / "histories" / "campaign_lanes_one_tick_per_activity.json"


async def test_a_lanes_history_from_before_lanes_ticked_inside_their_activity_replays():
    """Recorded on 2 Dec 2026 by commit c0464a3's worker: a campaign over two rooms, three shares 0.5 s apart,
    idle ticks, stop. Its runs carry no lane_seconds (0: one tick per activity), so today's code schedules
    the same activities and timers."""
    history = WorkflowHistory.from_json("campaign-lanes", LANES_ONE_TICK.read_text())
    ticks = [e for e in history.events if e.HasField("activity_task_scheduled_event_attributes")]
    assert len(ticks) > 10  # a tick per activity
    await Replayer(workflows=[CampaignWorkflow], data_converter=pydantic_data_converter).replay_workflow(history)
