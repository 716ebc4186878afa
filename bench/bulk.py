"""Bulk-load helpers for benchmarks on a throwaway database: load first, index after, as one would with COPY.

without_indexes(conn, tables) drops the secondary indexes and unique constraints of `tables` (keeping
primary keys), and puts back exactly the same definitions on exit; building a b-tree once over sorted data
is far cheaper than ten million random inserts into it."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Connection


@contextmanager
def without_indexes(conn: Connection, tables: list[str]) -> Iterator[None]:
    uniques = conn.execute(text("""
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE contype = 'u' AND conrelid::regclass::text = ANY(:t)"""), {"t": tables}).all()
    indexes = conn.execute(text("""
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
        WHERE i.indrelid::regclass::text = ANY(:t) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"""), {"t": tables}).all()
    for table, name, _ in uniques:
        conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        conn.execute(text(f"DROP INDEX {name}"))
    try:
        yield
    finally:
        conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        for table, name, definition in uniques:
            conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
        for _, definition in indexes:
            conn.execute(text(definition))


def skip_row_triggers(conn: Connection) -> None:
    """For this transaction only: no per-row foreign-key checks (the generator makes every reference valid by
    construction) and no append-only triggers (which guard UPDATE/DELETE, not these INSERTs)."""
    conn.execute(text("SET LOCAL session_replication_role = replica"))
