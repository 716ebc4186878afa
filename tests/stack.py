"""Start the real servers for the test session: embedded PostgreSQL and the Temporal dev server."""

import os
import socket
from pathlib import Path

from stack.postgres import EmbeddedPostgres


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_postgres(root: Path) -> EmbeddedPostgres:
    pg = EmbeddedPostgres(root / "pgdata", free_port())
    pg.start()
    return pg


def point_settings_at(database_url: str, task_queue: str) -> None:
    """Make every get_settings()/get_engine() in this process use the test servers."""
    from core import db, settings

    os.environ["DATABASE_URL"] = database_url
    os.environ["LIVEPERKS_TASK_QUEUE"] = task_queue
    settings.get_settings.cache_clear()
    db.get_engine.cache_clear()
