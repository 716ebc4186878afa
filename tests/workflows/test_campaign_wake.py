"""CampaignWorkflow's lane timer and the `wake` signal, with stand-in tick activities on the real
Temporal server: the workflow's own logic, timed by the server."""

import asyncio
import time
import uuid

from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker

from models.campaign_run import CampaignRun, CampaignSummary, FinishInput, TickInput, TickResult
from workflows.campaign import CampaignWorkflow


async def test_a_wake_signalled_while_the_first_tick_runs_cuts_the_lanes_first_wait_short(client: Client):
    """The room's events came while the first tick ran, after its read; its lane then waits 30 s on a
    timer. The wake must tick it at once, not after the timer (it was counted as already seen)."""
    started: list[float] = []

    @activity.defn(name="campaign_tick")
    async def tick(inp: TickInput) -> TickResult:
        started.append(time.monotonic())
        if len(started) == 1:
            await client.get_workflow_handle(inp.workflow_id).signal("wake", "room-w")
            await asyncio.sleep(0.5)  # the signal is in the history before this tick completes
            return TickResult(status="running", rooms=["room-w"], idle=True)
        return TickResult(status="stopped", rooms=["room-w"])

    @activity.defn(name="finish_campaign")
    async def finish(inp: FinishInput) -> CampaignSummary:
        return CampaignSummary(campaign_id=inp.campaign_id, status="stopped")

    queue = f"wake-{uuid.uuid4().hex[:8]}"
    async with Worker(client, task_queue=queue, workflows=[CampaignWorkflow], activities=[tick, finish]):
        await asyncio.wait_for(client.execute_workflow(
            CampaignWorkflow.run, CampaignRun(campaign_id="w", tick_seconds=30, lane_seconds=20),
            id=f"campaign-wake-{queue}", task_queue=queue), timeout=20)
    assert len(started) == 2 and started[1] - started[0] < 10, started
