"""Drop risk aggregates no window can read any more, so the tables stay the size of a few days.

Buckets, pairs and presence rows older than the keep time go (windows reach back 24 h from the
moment scored; the default keeps 48 h). Entity rows stay: they hold when an account was first seen,
and an account's age must not restart. Pairs and presence go by the same cutoff, so a presence row
that stays always keeps its pairs (they were written when it last advanced, no earlier than it).
Deletes run in bounded chunks, one transaction each.
"""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from activities.risk_upkeep import claim_if_due, until_not_full
from core.db import transaction

_OLD = {"risk_agg_bucket": "bucket < :before", "risk_agg_pair": "last_ms < :before",
        "risk_agg_presence": "grain_ms < :before"}
_DELETE = {table: text(f"DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {table} WHERE {old} LIMIT :n))")
           for table, old in _OLD.items()}


def prune_chunk(conn: Connection, *, before_ms: int, limit: int) -> dict[str, int]:
    """At most `limit` rows per table older than `before_ms`; {table: rows deleted}."""
    return {table: conn.execute(sql, {"before": before_ms, "n": limit}).rowcount for table, sql in _DELETE.items()}


def prune_if_due(*, keep_hours: int, every_s: int, limit: int = 50_000, heartbeat=lambda n: None) -> int:
    """Prune once per `every_s` (whoever gets there first); rows deleted (0 when not due)."""
    with transaction() as conn:
        if not claim_if_due(conn, "prune", every_s):
            return 0
        before_ms = conn.execute(text("SELECT (extract(epoch FROM now() - make_interval(hours => :h)) * 1000)::bigint"),
                                 {"h": keep_hours}).scalar_one()

    def chunk(conn: Connection) -> tuple[int, bool]:
        done = prune_chunk(conn, before_ms=before_ms, limit=limit)
        return sum(done.values()), max(done.values()) >= limit

    return until_not_full(chunk, heartbeat)
