"""`liveperks dev up|down|status`: the whole local stack under the data folder.

Embedded pieces start only when their external setting is empty: DATABASE_URL
unset -> embedded PostgreSQL; TEMPORAL_ADDRESS unset -> Temporal dev server.
The worker and the API always run locally.
"""

import asyncio
from dataclasses import dataclass
from pathlib import Path

from core.migrate import upgrade
from core.settings import PROJECT_ROOT, Settings
from stack.postgres import EmbeddedPostgres, wait_for_port
from stack.processes import ManagedProcess
from stack.temporal import python_process, temporal_dev_server


@dataclass(frozen=True)
class Piece:
    name: str
    running: bool
    detail: str


class DevStack:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.run_dir: Path = settings.data_dir

    @property
    def postgres(self) -> EmbeddedPostgres:
        return EmbeddedPostgres(self.run_dir / "pgdata", self.settings.pg_port)

    @property
    def temporal(self) -> ManagedProcess:
        return temporal_dev_server(self.run_dir, self.settings.temporal_port, self.settings.temporal_ui_port)

    @property
    def worker(self) -> ManagedProcess:
        return python_process("worker", self.run_dir, str(PROJECT_ROOT / "worker.py"))

    @property
    def api(self) -> ManagedProcess:
        return python_process("api", self.run_dir, "-m", "uvicorn", "api.main:app", "--app-dir", str(PROJECT_ROOT),
                              "--host", self.settings.api_host, "--port", str(self.settings.api_port),
                              "--log-level", "warning")

    def processes(self) -> list[ManagedProcess]:
        return ([self.temporal] if self.settings.embedded_temporal else []) + [self.worker, self.api]

    def crashed(self) -> list[ManagedProcess]:
        return [p for p in self.processes() if p.crashed()]

    def running(self) -> bool:
        return any(p.pid() for p in self.processes())

    def up(self, log=print) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if self.settings.embedded_database:
            self.postgres.start()
            log(f"postgres   {self.postgres.url}  (log {self.postgres.log_path})")
        upgrade(self.settings.resolved_database_url())
        log("migrations applied")
        if self.settings.embedded_temporal and not self.temporal.pid():
            self.temporal.start()
            _wait_until_listening(self.temporal, "127.0.0.1", self.settings.temporal_port)
        log(f"temporal   {self.settings.resolved_temporal_address()}  Web UI "
            f"http://127.0.0.1:{self.settings.temporal_ui_port}" if self.settings.embedded_temporal else
            f"temporal   {self.settings.resolved_temporal_address()} (external)")
        for proc in (self.worker, self.api):
            if not proc.pid():
                proc.start()
        _wait_until_listening(self.api, self.settings.api_host, self.settings.api_port)
        log(f"schedules  {', '.join(asyncio.run(_ensure_schedules()))}")
        log(f"worker     pid {self.worker.pid()}  (log {self.worker.log_path})")
        log(f"api        http://{self.settings.api_host}:{self.settings.api_port}/docs  (log {self.api.log_path})")

    def down(self, log=print) -> None:
        for proc in (self.api, self.worker, self.temporal):
            if proc.pid():
                proc.stop()
                log(f"stopped {proc.name}")
            proc.pid_path.unlink(missing_ok=True)
        if self.settings.embedded_database and self.postgres.is_running():
            self.postgres.stop()
            log("stopped postgres")

    def status(self) -> list[Piece]:
        pieces = []
        if self.settings.embedded_database:
            pieces.append(Piece("postgres", self.postgres.is_running(), str(self.postgres.log_path)))
        for proc in self.processes():
            state = "crashed, see " + str(proc.log_path) if proc.crashed() else str(proc.log_path)
            pieces.append(Piece(proc.name, proc.pid() is not None, state))
        return pieces


class PieceFailed(RuntimeError):
    pass


def _wait_until_listening(proc: ManagedProcess, host: str, port: int, timeout: float = 180.0) -> None:
    """Wait for the port, but say at once (with the log) if the process died while starting."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.pid() is None:
            raise PieceFailed(f"{proc.name} exited while starting; see its log: {proc.log_path}")
        try:
            wait_for_port(host, port, timeout=1.0)
            return
        except TimeoutError:
            continue
    raise PieceFailed(f"{proc.name} is not listening on {host}:{port} after {timeout:.0f}s; see {proc.log_path}")


async def _ensure_schedules() -> list[str]:
    from core.temporal import connect
    from schedules import ensure_all

    return await ensure_all(await connect())
