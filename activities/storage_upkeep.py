"""Off-peak VACUUM of the append-only tables whose insert-triggered autovacuum is off.

At 20,000 room events/s those passes on room_event came round every minute and doubled the ticks' cost
(migration 0021). What they did still needs doing, only not at peak: setting visibility bits and
freezing old rows ahead of PostgreSQL's anti-wraparound vacuum, which would otherwise come all at once,
whenever it must. Updates and deletes still start autovacuum as usual. (The grant tables keep their
insert passes: at 2,400 grants/s all six took under 1 s more CPU in a five-minute run than without.)
"""

import time

import psycopg
from psycopg import sql
from temporalio import activity

from core.db import libpq_url
from core.settings import get_settings
from domain.errors import BadInput
from models.storage import VacuumInput, VacuumResult

# Every table with autovacuum_vacuum_insert_threshold = -1 (tests/activities/test_storage_upkeep.py checks it).
APPEND_ONLY_TABLES = ("room_event",)


def vacuum_table(table: str) -> float:
    """VACUUM one table (outside any transaction, as VACUUM must be); returns its seconds. Only the tables
    named above: the name goes into the statement."""
    if table not in APPEND_ONLY_TABLES:
        raise BadInput(f"unknown append-only table {table!r}; known: {', '.join(APPEND_ONLY_TABLES)}")
    started = time.perf_counter()
    with psycopg.connect(libpq_url(get_settings().resolved_database_url()), autocommit=True) as conn:
        conn.execute("SET statement_timeout = 0")  # a big table's pass takes what it takes
        conn.execute(sql.SQL("VACUUM {}").format(sql.Identifier(table)))
    return time.perf_counter() - started


@activity.defn(name="vacuum_append_only_table")
def vacuum_append_only_table(inp: VacuumInput) -> VacuumResult:
    return VacuumResult(table=inp.table, seconds=round(vacuum_table(inp.table), 3))
