"""One SQLAlchemy engine per process, on psycopg 3, for SQLModel and raw SQL alike."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import Connection
from sqlmodel import Session

from core.settings import get_settings


def sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    raise ValueError(f"DATABASE_URL must be a postgresql:// URL, got {url.split(':')[0]}://...")


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    return create_engine(sqlalchemy_url(settings.resolved_database_url()), pool_size=20, max_overflow=20,
                         pool_pre_ping=True)


@contextmanager
def transaction() -> Iterator[Connection]:
    """A connection inside one transaction: committed on success, rolled back on any error."""
    with get_engine().begin() as conn:
        yield conn


@contextmanager
def session() -> Iterator[Session]:
    with Session(get_engine()) as s:
        yield s
