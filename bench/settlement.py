"""Settlement throughput against the server's ceiling, order-to-points latency, ledger write rate.

    python -m bench.settlement [--orders 1000] [--latency-orders 200] [--rounds 2]

settle_per_s: SettleOrderWorkflows per second from start to pending points
credited (the return window is a durable timer, not work, so it is left long);
trivial_per_s: a workflow with one no-op activity on the same server and worker.
Both warm up first, then run alternately (--rounds), IN_FLIGHT starts at a time; the
best round of each is reported (and every round under "rounds").
p50_ms/p99_ms: POST /v1/orders/paid until GET /v1/members/{id}/points shows the
pending points. ledger_entries_per_s: journal entries/s written by the
settlement activity's code path (8 threads); plain_insert_per_s: single-row
INSERT transactions/s into a bare table from 8 threads, same database.
"""

import argparse
import asyncio
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import text

from bench.processes import api_process, worker_process
from bench.stack import bench_stack, emit
from clients import orders as order_client
from core.db import transaction
from demo.orders import paid_orders

IN_FLIGHT = 200
LONG_WINDOW = 3600


async def _start_all(start, items) -> list:
    """Start every workflow, IN_FLIGHT start calls at a time (both runs are loaded the same way)."""
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(item):
        async with gate:
            return await start(item)

    return await asyncio.gather(*(one(item) for item in items))


async def trivial_rate(client, queue: str, n: int) -> float:
    run = uuid.uuid4().hex[:6]
    began = time.perf_counter()
    handles = await _start_all(lambda i: client.start_workflow("TrivialWorkflow", str(i), id=f"trivial-{run}-{i}",
                                                               task_queue=queue), range(n))
    await asyncio.gather(*(h.result() for h in handles))
    return n / (time.perf_counter() - began)


async def settle_rate(client, queue: str, n: int) -> float:
    """Start n settlements (IN_FLIGHT at a time) and time until all n have pending points in the ledger."""
    run = f"b{uuid.uuid4().hex[:6]}"
    orders = paid_orders(n, seed=1, run=run, window_seconds=LONG_WINDOW, members=5000)
    began = time.perf_counter()
    starting = asyncio.ensure_future(_start_all(lambda o: order_client.settle(client, o, task_queue=queue), orders))
    while _accepted(run) < n:
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - began
    await starting
    return n / elapsed


def _accepted(run: str) -> int:
    with transaction() as conn:
        return conn.execute(text("SELECT count(*) FROM settlement WHERE order_id LIKE :p"),
                            {"p": f"{run}-%"}).scalar_one()


async def latencies(api_url: str, order_token: str, reader_token: str, n: int) -> list[float]:
    orders = paid_orders(n, seed=2, run=f"l{uuid.uuid4().hex[:6]}", window_seconds=LONG_WINDOW, members=100_000)
    as_orders, as_reader = ({"Authorization": f"Bearer {t}"} for t in (order_token, reader_token))
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as api:
        async def one(order) -> float:
            began = time.perf_counter()
            paid = await api.post("/v1/orders/paid", json=order.model_dump(mode="json"), headers=as_orders)
            paid.raise_for_status()
            while not (await api.get(f"/v1/members/{order.member_id}/points", headers=as_reader)).json()["pending"]:
                await asyncio.sleep(0.005)
            return (time.perf_counter() - began) * 1000

        results = []
        for batch in range(0, n, 20):  # ~20 orders in flight: steady load, not a burst
            results += await asyncio.gather(*(one(o) for o in orders[batch:batch + 20]))
        return results


def ledger_rates(n: int) -> tuple[float, float]:
    from activities.settlement import accept_order
    from models.settlement import AcceptOrderInput

    orders = paid_orders(n, seed=3, run=f"x{uuid.uuid4().hex[:6]}", window_seconds=LONG_WINDOW, members=50_000)
    with ThreadPoolExecutor(8) as pool:
        began = time.perf_counter()
        list(pool.map(lambda o: accept_order(AcceptOrderInput(order=o, return_window_seconds=LONG_WINDOW)), orders))
        entries = n / (time.perf_counter() - began)
    with transaction() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_plain (id bigserial PRIMARY KEY, k text, v bigint)"))

    def plain(i: int) -> None:
        with transaction() as conn:
            conn.execute(text("INSERT INTO bench_plain (k, v) VALUES (:k, :v)"), {"k": f"k{i}", "v": i})

    with ThreadPoolExecutor(8) as pool:
        began = time.perf_counter()
        list(pool.map(plain, range(n)))
        inserts = n / (time.perf_counter() - began)
    return entries, inserts


async def main(orders: int, latency_orders: int, rounds: int) -> None:
    async with bench_stack() as s:
        from activities.api_keys import create_key

        with transaction() as conn:
            token = create_key(conn, name="bench", role="operator").token
            order_token = create_key(conn, name="bench-orders", role="order-system").token
        address = s.client.service_client.config.target_host
        with worker_process(s.database_url, address, s.task_queue):
            # Both workloads warm up the same way before they are timed: the worker's imports, the risk model's
            # first load and the database pool are start-up costs, not throughput.
            await trivial_rate(s.client, s.task_queue, 50)
            await settle_rate(s.client, s.task_queue, 50)
            # Alternate the two, `rounds` times, and keep each one's best round: on a shared machine a burst of
            # someone else's load then hits both workloads alike instead of whichever happened to run during it.
            trivials, settles = [], []
            for _ in range(rounds):
                trivials.append(await trivial_rate(s.client, s.task_queue, orders))
                settles.append(await settle_rate(s.client, s.task_queue, orders))
            trivial, settle = max(trivials), max(settles)
            with api_process(s.database_url, address, s.task_queue) as api_url:
                lat = await latencies(api_url, order_token, token, latency_orders)
        entries, inserts = ledger_rates(orders)
    q = statistics.quantiles(lat, n=100)
    emit({"settle_per_s": round(settle, 1), "trivial_per_s": round(trivial, 1), "ratio": round(settle / trivial, 3),
          "p50_ms": round(statistics.median(lat), 1), "p99_ms": round(q[98], 1),
          "ledger_entries_per_s": round(entries, 1), "plain_insert_per_s": round(inserts, 1), "orders": orders,
          "rounds": {"trivial_per_s": [round(x, 1) for x in trivials], "settle_per_s": [round(x, 1) for x in settles]}})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--latency-orders", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of each workload; best kept")
    args = parser.parse_args()
    asyncio.run(main(args.orders, args.latency_orders, args.rounds))
