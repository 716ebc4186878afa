"""The real 7-day return window, on the time-skipping test server."""

import asyncio
import uuid
from datetime import timedelta

import pytest_asyncio
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from clients import orders as order_client
from models.orders import Refund, RefundLine
from stack.binaries import temporal_test_server
from tests.workflows.orders import paid_order
from tests.workflows.test_settle_order import balance


@pytest_asyncio.fixture(scope="module")
async def skipping_env(database_url):
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(temporal_test_server()),
                                                        data_converter=pydantic_data_converter)
    yield env
    await env.shutdown()


async def test_points_stay_pending_for_seven_days_then_confirm(skipping_env, database_url):
    from core.settings import get_settings
    from worker import build_worker

    queue = f"skip-{uuid.uuid4().hex[:6]}"
    order = paid_order(window=None)
    assert get_settings().return_window_seconds == 7 * 24 * 3600
    async with build_worker(skipping_env.client, task_queue=queue):
        handle = await order_client.settle(skipping_env.client, order, task_queue=queue)
        with skipping_env.auto_time_skipping_disabled():
            for _ in range(100):
                if balance(order.member_id)["pending"]:
                    break
                await asyncio.sleep(0.1)
            await skipping_env.sleep(timedelta(days=3))
            status = await handle.query("status")
            assert status["state"] == "pending" and balance(order.member_id)["pending"] == 300
            await handle.signal("refund", Refund(refund_id="day3", lines=[RefundLine(sku="b", quantity=1)]))
            await skipping_env.sleep(timedelta(days=3, hours=23))
            assert (await handle.query("status"))["state"] == "pending"
        result = await handle.result()  # skips the rest of the week
    assert result.state == "confirmed" and result.points_reversed == 100
    assert balance(order.member_id) == {"pending": 0, "available": 200, "spent": 0, "reversed": 100}
