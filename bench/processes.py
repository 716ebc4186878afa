"""Worker and API as separate processes, as in production, pointed at the bench stack."""

import os
import subprocess
import sys
from contextlib import contextmanager

from core.settings import PROJECT_ROOT
from stack.postgres import wait_for_port
from tests.stack import free_port


def _env(database_url: str, address: str, task_queue: str) -> dict:
    return {**os.environ, "DATABASE_URL": database_url, "TEMPORAL_ADDRESS": address,
            "LIVEPERKS_TASK_QUEUE": task_queue}


@contextmanager
def worker_process(database_url: str, address: str, task_queue: str):
    proc = subprocess.Popen([sys.executable, str(PROJECT_ROOT / "worker.py")], cwd=PROJECT_ROOT,
                            env=_env(database_url, address, task_queue), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def api_process(database_url: str, address: str, task_queue: str, workers: int = 1):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port),
                             "--workers", str(workers), "--log-level", "warning"], cwd=PROJECT_ROOT,
                            env=_env(database_url, address, task_queue), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_for_port("127.0.0.1", port, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
