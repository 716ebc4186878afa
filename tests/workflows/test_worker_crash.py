"""A worker SIGKILLed in the middle of a batch of settlements; a new worker finishes the job.
Every order ends credited exactly once and `ledger verify` is clean."""

import asyncio
import os
import signal
import subprocess
import sys
import uuid

from sqlalchemy import text

from activities.ledger_verify import verify_ledger
from clients import orders as order_client
from core.db import transaction
from core.settings import PROJECT_ROOT
from tests.workflows.orders import paid_order

ORDERS = 40


def start_worker(database_url: str, address: str, queue: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "TEMPORAL_ADDRESS": address, "LIVEPERKS_TASK_QUEUE": queue}
    return subprocess.Popen([sys.executable, str(PROJECT_ROOT / "worker.py")], env=env, cwd=PROJECT_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def counts(prefix: str) -> tuple[int, int, int]:
    with transaction() as conn:
        return conn.execute(text("""
            SELECT count(*) FILTER (WHERE kind = 'earn_pending'), count(*) FILTER (WHERE kind = 'confirm'),
                   count(DISTINCT reference) FROM journal_entry WHERE reference LIKE :p"""),
                            {"p": f"order:{prefix}%"}).one()


async def test_killed_worker_mid_batch_credits_every_order_exactly_once(client, database_url):
    queue = f"crash-{uuid.uuid4().hex[:6]}"
    address = client.service_client.config.target_host
    prefix = f"crash{uuid.uuid4().hex[:6]}-"
    orders = [paid_order(window=2).model_copy(update={"order_id": f"{prefix}{i}"}) for i in range(ORDERS)]
    worker = start_worker(database_url, address, queue)
    handles = [await order_client.settle(client, order, task_queue=queue) for order in orders]
    for _ in range(300):  # kill it once some, not all, orders are credited
        if counts(prefix)[0] >= 5:
            break
        await asyncio.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    credited_at_kill = counts(prefix)[0]
    assert credited_at_kill < ORDERS, "the worker finished before it was killed; the test proves nothing"
    worker = start_worker(database_url, address, queue)
    try:
        results = await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), timeout=120)
    finally:
        worker.terminate()
        worker.wait()
    assert {r.state for r in results} == {"confirmed"}
    assert counts(prefix) == (ORDERS, ORDERS, ORDERS)
    with transaction() as conn:
        report = verify_ledger(conn)
    assert report.ok, report.problems
