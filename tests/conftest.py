"""Session fixtures: one real PostgreSQL and one real Temporal dev server for the whole run,
each on a free port, so several runs can share a machine."""

import asyncio
import gc
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

# Tests block devices or retire models and score at once: no blocklist cache, and the scorer folds
# whatever waits (no fold schedule runs here); tests/risk covers both settings.
os.environ.setdefault("LIVEPERKS_RISK_CACHE_MS", "0")
os.environ.setdefault("LIVEPERKS_RISK_FOLD_TICK_ROWS", "10000000")

from core.migrate import upgrade  # noqa: E402
from stack.binaries import temporal_cli  # noqa: E402
from tests.stack import free_port, point_settings_at, start_postgres  # noqa: E402


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    # Not under pytest's basetemp: another pytest run resets that folder to 0700, locking out the
    # unprivileged postgres user mid-run.
    root = Path(tempfile.mkdtemp(prefix="liveperks-test-pg-"))
    pg = start_postgres(root)
    upgrade(pg.url)
    point_settings_at(pg.url, task_queue=f"test-{uuid.uuid4().hex[:8]}")
    yield pg.url
    from core.db import get_engine

    get_engine().dispose()
    pg.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def conn(database_url: str):
    """A connection in a transaction that is rolled back after the test."""
    from core.db import get_engine

    with get_engine().connect() as connection:
        tx = connection.begin()
        yield connection
        tx.rollback()


@pytest_asyncio.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli()), port=free_port(), ui=False,
        data_converter=pydantic_data_converter,
        dev_server_extra_args=["--dynamic-config-value", "frontend.enableUpdateWorkflowExecution=true"])
    yield env
    await env.shutdown()


@pytest_asyncio.fixture(scope="session")
async def client(temporal_env: WorkflowEnvironment) -> Client:
    return temporal_env.client


@pytest_asyncio.fixture(scope="session")
async def worker(client: Client, database_url: str) -> AsyncIterator[str]:
    """The real worker (all workflows and activities) polling the session's task queue."""
    from activities.lane_wake import wake_lanes_on_intake
    from core.settings import get_settings
    from worker import build_worker

    w = build_worker(client)
    waker = wake_lanes_on_intake(client)
    task = asyncio.create_task(w.run())
    yield get_settings().task_queue
    waker.set()
    await w.shutdown()
    await task


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest_asyncio.fixture(scope="session")
async def http(client: Client, database_url: str) -> AsyncIterator:
    """The real FastAPI app in-process (same event loop as the Temporal client), over httpx."""
    import httpx

    from api.main import app

    async def temporal_client() -> Client:
        return client

    app.state.temporal = temporal_client
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as c:
        yield c


@pytest.fixture(scope="session")
def token(database_url: str):
    """token(role, member_id=None) -> headers with a fresh API key of that role."""
    from activities.api_keys import create_key
    from core.db import transaction

    def make(role: str, member_id: str | None = None) -> dict[str, str]:
        with transaction() as conn:
            created = create_key(conn, name=unique("test"), role=role, member_id=member_id)
        return {"Authorization": f"Bearer {created.token}"}

    return make


@pytest.fixture
def reports_dir(tmp_path, monkeypatch):
    """Reports written to a fresh folder for this test (LIVEPERKS_REPORTS_DIR)."""
    from core.settings import get_settings

    monkeypatch.setenv("LIVEPERKS_REPORTS_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def collector_off() -> Iterator[None]:
    """The cyclic garbage collector off for the test (back as it was after): what reference counting
    does not free stays, for the test to count with gc.collect()."""
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config.stash[_EXIT_STATUS] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave without interpreter teardown once pytest has reported.

    The Temporal client's Rust threads can abort a finalizing interpreter
    (temporalio/sdk-python#300), which would turn a green run into SIGABRT.
    """
    import os
    import sys

    if _EXIT_STATUS in config.stash:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(config.stash[_EXIT_STATUS])


_EXIT_STATUS = pytest.StashKey[int]()
