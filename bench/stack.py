"""The stack a benchmark needs: the external one if DATABASE_URL/TEMPORAL_ADDRESS are set,
otherwise a fresh embedded PostgreSQL and Temporal dev server in a temp folder on free ports."""

import json
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from bench.wal_warmup import preallocate_wal
from core.gc_tuning import stop_timing_collections
from core.migrate import upgrade
from core.settings import get_settings
from core.temporal import connect
from stack.binaries import temporal_cli
from tests.stack import free_port, point_settings_at, start_postgres


@dataclass
class BenchStack:
    database_url: str
    client: Client
    task_queue: str


@asynccontextmanager
async def bench_stack(*, server: dict[str, str] | None = None, wal_warmup_mb: int = 0) -> AsyncIterator[BenchStack]:
    """`server`: the throwaway cluster's LIVEPERKS_PG_* settings by name (shared_buffers="1GB", ...), each
    a default that the environment overrides. `wal_warmup_mb`: WAL segments to leave ready for reuse in
    the throwaway cluster, as a running server has them (bench/wal_warmup.py)."""
    task_queue = f"bench-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="liveperks-bench-") as tmp:
        pg = None
        url = os.environ.get("DATABASE_URL", "")
        if not url:
            for name, value in (server or {}).items():
                os.environ.setdefault(f"LIVEPERKS_PG_{name.upper()}", value)
            get_settings.cache_clear()
            pg = start_postgres(Path(tmp))
            url = pg.url
            if wal_warmup_mb:
                print("WAL warm-up:", preallocate_wal(url, megabytes=wal_warmup_mb), flush=True)
        upgrade(url)
        point_settings_at(url, task_queue)
        env = None
        try:
            if os.environ.get("TEMPORAL_ADDRESS"):
                client = await connect()
            else:
                env = await WorkflowEnvironment.start_local(
                    dev_server_existing_path=str(temporal_cli()), port=free_port(), ui=False,
                    data_converter=pydantic_data_converter)
                client = env.client
            yield BenchStack(url, client, task_queue)
        finally:
            if env is not None:
                await env.shutdown()
            from core.db import get_engine

            get_engine().dispose()
            if pg is not None:
                pg.stop()


def emit(figures: dict) -> None:
    """The benchmark's last line: one JSON object of its figures."""
    stop_timing_collections()
    print(json.dumps(figures, default=str), flush=True)
