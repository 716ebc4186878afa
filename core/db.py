"""One SQLAlchemy engine per process, on psycopg 3, for SQLModel and raw SQL alike."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import orjson
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import Connection
from sqlmodel import Session

from core.settings import get_settings


def sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    raise ValueError(f"DATABASE_URL must be a postgresql:// URL, got {url.split(':')[0]}://...")


def libpq_url(url: str) -> str:
    """DATABASE_URL as psycopg (libpq) itself takes it, for a connection outside the engine's pool."""
    return "postgresql://" + sqlalchemy_url(url)[len("postgresql+psycopg://"):]


def json_loads(data: bytes | str):
    """jsonb columns as Python values: orjson (the campaign ticks decode every non-heartbeat event's payload,
    the standard library's decoder took 3 % of the worker), the standard library for what orjson refuses
    (integers beyond 64 bits, which jsonb may hold)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


_DUMPS_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_SERIALIZE_NUMPY


def json_text(value) -> str:
    """Python values as JSON text for a jsonb parameter, as `json.dumps(value, default=str)` gives them
    (datetimes and dataclasses through str, as before; numpy numbers as numbers, where str made them
    strings): orjson, several times faster (a campaign tick encodes three details per grant; json.dumps
    with any option builds a new encoder on every call), and the standard library for what orjson
    refuses (integers beyond 64 bits, keys that are not strings)."""
    try:
        return orjson.dumps(value, default=str, option=_DUMPS_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value, default=str, ensure_ascii=False)


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    return create_engine(sqlalchemy_url(settings.resolved_database_url()), pool_size=20, max_overflow=20,
                         pool_pre_ping=True, json_deserializer=json_loads)


@contextmanager
def transaction() -> Iterator[Connection]:
    """A connection inside one transaction: committed on success, rolled back on any error."""
    with get_engine().begin() as conn:
        yield conn


@contextmanager
def session() -> Iterator[Session]:
    with Session(get_engine()) as s:
        yield s


def planned_each_call(conn: Connection, sql: str, params: dict) -> list[tuple]:
    """The rows of `sql` (psycopg's %(name)s placeholders) in `conn`'s transaction, planned for these
    parameters on every call. A statement psycopg prepares (from its fifth call on a connection) soon runs
    PostgreSQL's generic plan, kept for the connection's life: one made while a table was nearly empty (a new
    deployment, a benchmark's first seconds) reads the whole table on every call once it has grown (a tick's
    check of its grants' keys took 65 ms at 48,000 grants, against 0.5 ms by the index). For statements
    over tables that grow fast, whose good plan depends on their size; planning costs ~0.1 ms a call."""
    with conn.connection.driver_connection.cursor() as cursor:
        return cursor.execute(sql, params, prepare=False).fetchall()
