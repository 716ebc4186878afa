"""Claim storm: 10,000 concurrent claims through the real HTTP API against a stock of 1,000,
then checkout validation p99 for a 20-line cart with 5 coupons (in-process).

    python -m bench.coupon_storm [--claims 10000] [--stock 1000] [--workers 2] [--connections 64]

The API runs under uvicorn in a subprocess (several workers) against the bench stack's PostgreSQL.
The last line is JSON: claims_per_s, p99_ms, issued (must equal stock), stock, validate_p99_ms (the whole
validation with its one query) and validate_rules_p99_ms (the pure rules alone), the API processes' CPU
per claim, and the machine's load before and after the storm.
"""

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from decimal import Decimal

import httpx
import uvloop
from sqlalchemy import text

from activities.api_keys import create_key
from activities.coupon_templates import get_template, upsert_template
from bench.coupon_validate import validate_figures
from bench.http_storm import percentile, storm
from bench.stack import bench_stack, emit
from core.db import transaction
from core.settings import PROJECT_ROOT
from models.coupon_api import TemplateSpec
from tests.stack import free_port


def start_api(port: int, workers: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    return subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=dict(os.environ))


def _cpu_seconds(pid: int) -> float:
    """CPU time of the API processes (uvicorn's supervisor and its workers): a figure the machine's
    other load inflates less than claims per second."""
    import psutil

    procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    return sum(sum(p.cpu_times()[:2]) for p in procs)


async def wait_healthy(port: int, proc: subprocess.Popen) -> None:
    async with httpx.AsyncClient() as c:
        for _ in range(300):
            if proc.poll() is not None:
                raise RuntimeError("the API exited on start")
            try:
                if (await c.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the API did not come up")


async def main(args: argparse.Namespace) -> None:
    async with bench_stack():
        tpl = f"storm-{uuid.uuid4().hex[:8]}"
        with transaction() as conn:
            upsert_template(conn, TemplateSpec(id=tpl, name="storm 5 off", kind="amount_off", amount_off=Decimal("5"),
                                               valid_hours=24, stock=args.stock, per_member_limit=1))
            token = create_key(conn, name="bench", role="order-system").token
        port = free_port()
        api = start_api(port, args.workers)
        try:
            await wait_healthy(port, api)
            bodies = [{"template_id": tpl, "member_id": f"fan-{i}", "idempotency_key": f"{tpl}:{i}"}
                      for i in range(args.claims)]
            load_before, api_cpu = os.getloadavg()[0], _cpu_seconds(api.pid)
            started = time.perf_counter()
            results = await storm("127.0.0.1", port, "/v1/coupons/issue", token, bodies, args.connections)
            elapsed = time.perf_counter() - started
            api_cpu = _cpu_seconds(api.pid) - api_cpu
        finally:
            api.terminate()
            api.wait(timeout=30)
        statuses = [r[0] for r in results]
        with transaction() as conn:
            in_db = conn.execute(text("SELECT count(*) FROM coupon WHERE template_id = :t"), {"t": tpl}).scalar()
            counted = get_template(conn, tpl).issued
        issued = statuses.count(201)
        out_of_stock = sum(1 for r in results if r[0] == 409 and r[2].get("reason") == "out_of_stock")
        assert issued == in_db == counted, (issued, in_db, counted)
        validation = validate_figures(datetime.now(timezone.utc))
        emit({"claims": len(results), "claims_per_s": round(len(results) / elapsed), "elapsed_s": round(elapsed, 2),
              "p50_ms": round(percentile([r[1] for r in results], 50), 1),
              "p99_ms": round(percentile([r[1] for r in results], 99), 1), "issued": issued, "stock": args.stock,
              "out_of_stock": out_of_stock, "other": len(results) - issued - out_of_stock,
              "workers": args.workers, "connections": args.connections,
              "api_cpu_ms_per_claim": round(api_cpu * 1000 / len(results), 3),
              "last_issue_s": round(max((r[3] for r in results if r[0] == 201), default=started) - started, 2),
              **validation, "load_avg_1m_before": round(load_before, 1), "load_avg_1m": round(os.getloadavg()[0], 1)})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--stock", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    uvloop.run(main(parser.parse_args()))  # the load generator shares the cores: the leaner loop
