"""The worker: every workflow and activity on one task queue. Stateless; run as many as needed.

    python worker.py            # uses DATABASE_URL / TEMPORAL_ADDRESS or the embedded stack
"""

import asyncio
import logging
import sys
from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client
from temporalio.worker import Worker

from activities.lane_wake import wake_lanes_on_intake
from core.gc_tuning import tune_gc
from core.settings import get_settings
from core.temporal import connect
from registry import ACTIVITIES, WORKFLOWS
from risk.memory_follow import follow_in_background
from risk.memory_process import follow_in_child


def build_worker(client: Client, *, task_queue: str | None = None, max_concurrent_activities: int = 64) -> Worker:
    return Worker(client, task_queue=task_queue or get_settings().task_queue, workflows=WORKFLOWS,
                  activities=ACTIVITIES,
                  activity_executor=ThreadPoolExecutor(max_workers=max_concurrent_activities),
                  max_concurrent_activities=max_concurrent_activities)


async def main() -> None:
    # The workflow sandbox imports each workflow's module afresh for every workflow run it starts; with
    # PYTHONDONTWRITEBYTECODE set (common in containers) that meant compiling the source every time.
    # Cached bytecode (__pycache__, git-ignored) turns that into a file read.
    sys.dont_write_bytecode = False
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    tune_gc()
    client = await connect()
    settings = get_settings()
    if settings.risk_aggregates == "memory":  # grants scored here find the risk aggregates caught up
        every_s = settings.risk_memory_follow_every_ms / 1000
        if settings.risk_memory_process:
            follow_in_child(every_s)
        else:
            follow_in_background(every_s)
    if settings.campaign_wake_lanes:
        wake_lanes_on_intake(client)
    worker = build_worker(client, max_concurrent_activities=settings.worker_max_activities)
    logging.info("worker polling task queue %s", get_settings().task_queue)
    await worker.run()


if __name__ == "__main__":
    asyncio.run(main())
