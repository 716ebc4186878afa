"""Where PostgreSQL's time went during a stretch of a benchmark, statement by statement
(pg_stat_statements; the server loads it when LIVEPERKS_PG_STAT_STATEMENTS is on).

Execution time is wall time inside the server: it includes waiting for a COPY's rows from the client and
for the CPU on a busy machine, so it ranks statements; bench/cpu.py says how many cores the server took."""

from sqlalchemy import text
from sqlalchemy.engine import Connection


def start_counting(conn: Connection) -> None:
    """Create the extension if needed and forget what came before (setup, warm-up)."""
    conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
    conn.execute(text("SELECT pg_stat_statements_reset()"))


def top_statements(conn: Connection, n: int = 12) -> list[dict]:
    """The `n` statements with the most execution time since start_counting, the longest first."""
    rows = conn.execute(text(
        "SELECT round((total_exec_time / 1000)::numeric, 2), calls, rows, "
        "left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM pg_stat_statements "
        "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "ORDER BY total_exec_time DESC LIMIT :n"), {"n": n}).all()
    return [{"exec_s": float(s), "calls": calls, "rows": nrows, "statement": query} for s, calls, nrows, query in rows]
