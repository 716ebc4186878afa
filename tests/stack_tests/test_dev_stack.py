"""`liveperks dev up|status|down` on the embedded stack, as an operator runs it."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg

from core.settings import PROJECT_ROOT
from tests.stack import free_port


def liveperks(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], env=env, cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=180)


def test_up_status_crash_down_and_restart_keeps_data():
    tmp_path = Path(tempfile.mkdtemp(prefix="liveperks-test-stack-"))  # see conftest: not pytest's basetemp
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEMPORAL_ADDRESS")}
    pg_port = free_port()
    env.update(LIVEPERKS_DATA_DIR=str(tmp_path / "data"), LIVEPERKS_PG_PORT=str(pg_port),
               LIVEPERKS_TEMPORAL_PORT=str(free_port()), LIVEPERKS_TEMPORAL_UI_PORT=str(free_port()),
               LIVEPERKS_API_PORT=str(free_port()), COLUMNS="200", LIVEPERKS_PG_SHARED_BUFFERS="64MB",
               LIVEPERKS_PG_CHECKPOINT_TIMEOUT="7min", LIVEPERKS_PG_TRACK_COMMIT_TIMESTAMP="true")
    url = f"postgresql://postgres@127.0.0.1:{pg_port}/liveperks"
    try:
        up = liveperks(env, "dev", "up")
        assert up.returncode == 0, up.stdout + up.stderr
        assert "Web UI" in up.stdout and "/docs" in up.stdout
        assert "already running" in liveperks(env, "dev", "up").stdout
        with psycopg.connect(url, autocommit=True) as conn:
            # the LIVEPERKS_PG_* settings reach the server (PostgreSQL's defaults: 128MB, 5min and off)
            assert conn.execute("SHOW shared_buffers").fetchone()[0] == "64MB"
            assert conn.execute("SHOW checkpoint_timeout").fetchone()[0] == "7min"
            assert conn.execute("SHOW track_commit_timestamp").fetchone()[0] == "on"
            conn.execute("INSERT INTO room (room_id, shop_id, host_id, title) VALUES ('kept-room', 's', 'h', 't')")

        worker_pid = int((tmp_path / "data" / "worker.pid").read_text())
        os.kill(worker_pid, signal.SIGKILL)
        status = liveperks(env, "dev", "status")
        assert status.returncode == 1 and "crashed" in status.stdout and "worker.log" in status.stdout

        restarted = liveperks(env, "dev", "up")
        assert restarted.returncode == 0 and "worker had crashed" in restarted.stdout
        assert liveperks(env, "dev", "status").returncode == 0

        assert liveperks(env, "dev", "down").returncode == 0
        assert liveperks(env, "dev", "up").returncode == 0
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM room WHERE room_id = 'kept-room'").fetchone()[0] == 1
    finally:
        liveperks(env, "dev", "down")
    assert "no" in liveperks(env, "dev", "status").stdout
    shutil.rmtree(tmp_path, ignore_errors=True)
