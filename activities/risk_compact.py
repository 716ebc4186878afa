"""Merge old 10-minute risk buckets into hourly ones, so a day-long entity is read in ~30 rows, not 144.

Only 1 h windows need 10-minute resolution; 24 h windows start at an hour edge (domain/risk/features.py),
so an hour folded into one row at its start is summed whole or not at all. An hour is merged once it
ended RESOLUTION_KEPT_MS before the current 10-minute edge: every 1 h window of a moment since then
starts after it. A late event may add a 10-minute row to a merged hour again; the next run takes it in,
and until then both rows are summed, which is the same count.
"""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from activities.risk_upkeep import claim_if_due, until_not_full
from core.db import transaction
from domain.risk.features import BUCKET_MS, HOUR
from models.risk_agg import BUCKET_COUNTS

RESOLUTION_KEPT_MS = 2 * HOUR  # 1 h windows of moments up to an hour back stay exact

# One statement: the rows of closed hours that are not at an hour's start go, and their sums are added
# to the row at the start (made if missing). Bounded per run; the rest waits for the next.
_MERGE = text(f"""
WITH gone AS (
    DELETE FROM risk_agg_bucket WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM risk_agg_bucket WHERE bucket < :before AND bucket % {HOUR} <> 0 LIMIT :n))
    RETURNING kind, entity, bucket - bucket % {HOUR} AS hour, {", ".join(BUCKET_COUNTS)}),
merged AS (
    INSERT INTO risk_agg_bucket (kind, entity, bucket, {", ".join(BUCKET_COUNTS)})
    SELECT kind, entity, hour, {", ".join(f"sum({c})" for c in BUCKET_COUNTS)} FROM gone GROUP BY 1, 2, 3
    ON CONFLICT (kind, entity, bucket) DO UPDATE SET
        {", ".join(f"{c} = risk_agg_bucket.{c} + excluded.{c}" for c in BUCKET_COUNTS)}
    RETURNING 1)
SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM merged)""")

_NOW_MS = text("SELECT (extract(epoch FROM now()) * 1000)::bigint")


def mergeable_before(now_ms: int) -> int:
    """Hours starting before this ended at least RESOLUTION_KEPT_MS before the current 10-minute edge."""
    edge = now_ms - now_ms % BUCKET_MS - RESOLUTION_KEPT_MS
    return edge - edge % HOUR


def merge_chunk(conn: Connection, *, now_ms: int, limit: int) -> int:
    """At most `limit` 10-minute rows merged into their hours; how many."""
    removed, _ = conn.execute(_MERGE, {"before": mergeable_before(now_ms), "n": limit}).one()
    return int(removed)


def compact_if_due(*, every_s: int, limit: int = 50_000, heartbeat=lambda n: None) -> int:
    """Merge once per `every_s` (whoever gets there first), in bounded transactions; rows merged."""
    with transaction() as conn:
        if not claim_if_due(conn, "compact", every_s):
            return 0
        now_ms = conn.execute(_NOW_MS).scalar_one()

    def chunk(conn: Connection) -> tuple[int, bool]:
        done = merge_chunk(conn, now_ms=now_ms, limit=limit)
        return done, done >= limit

    return until_not_full(chunk, heartbeat)
