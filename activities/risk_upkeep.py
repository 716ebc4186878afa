"""What the aggregates' upkeep jobs (pruning, merging) share: a due time per job, kept as a row beside
the fold cursors (its last_id unused), and work in bounded transactions until a chunk is not full."""

from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import Connection

from core.db import transaction

_DUE = text("INSERT INTO risk_agg_cursor (source, last_id, folded_at) VALUES (:job, 0, now()) "
            "ON CONFLICT (source) DO UPDATE SET folded_at = now() "
            "WHERE risk_agg_cursor.folded_at < now() - make_interval(secs => :every) RETURNING 1")


def claim_if_due(conn: Connection, job: str, every_s: int) -> bool:
    """True once per `every_s` for `job` (whoever gets there first), marking it done now."""
    return conn.execute(_DUE, {"job": job, "every": every_s}).first() is not None


def until_not_full(chunk: Callable[[Connection], tuple[int, bool]], heartbeat=lambda n: None) -> int:
    """Run `chunk` (rows done, whether it was full) in a transaction of its own each, until one is not
    full; the rows done in all."""
    total = 0
    while True:
        with transaction() as conn:
            done, full = chunk(conn)
        total += done
        heartbeat(total)
        if not full:
            return total
