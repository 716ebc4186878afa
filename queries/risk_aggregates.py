"""Read the running aggregates of a batch's entities: one statement, one row per entity.

Windows follow domain/risk/features.py: counts from 10-minute buckets since floor(at) - W, distinct
counts (up to DISTINCT_CAP) from (entity, sub) rows last seen in (at - W, at], plus the entity's last event times and
how many accounts posted its latest comment text. Correct "as of now": nothing later than `at` is
folded yet.
"""

import re

from sqlalchemy.engine import Connection

from core.pgarray import array_literal
from domain.risk.features import BUCKET_MS, COMMENT_ACCOUNTS_CAP, DAY, DISTINCT_CAP, HOUR

COLUMNS = ("kind", "entity", "events_1h", "events_24h", "churn_1h", "heartbeats_1h", "comments_1h", "orders_24h",
           "grants_24h", "accounts_1h", "accounts_24h", "rooms_1h", "rooms_24h", "ips_1h", "devices_24h",
           "first_ms", "recent_all", "recent_acts", "comment_accounts_1h")


def _capped(sub_kind: str, window_ms: int) -> str:
    """Distinct `sub_kind`s of the entity in the window, counted up to the cap down its key range."""
    return (f"(SELECT count(*) FROM (SELECT 1 FROM risk_agg_pair AS r WHERE r.kind = b.kind AND r.entity = b.entity "
            f"AND r.sub_kind = '{sub_kind}' AND r.last_ms > :at - {window_ms} LIMIT {DISTINCT_CAP}) AS c)")


_SQL = f"""
WITH q(kind, entity) AS (SELECT * FROM unnest(CAST(:kinds AS text[]), CAST(:entities AS text[]))),
s AS (SELECT e.* FROM q JOIN risk_agg_entity AS e ON e.kind = q.kind AND e.entity = q.entity),
said AS (  -- each text once, however many of the batch's members said it; counting stops at the cap
    SELECT x.comment_text, (SELECT count(*) FROM (SELECT 1 FROM risk_agg_pair AS t WHERE t.kind = 'text'
             AND t.entity = x.comment_text AND t.sub_kind = 'member' AND t.last_ms > :at - {HOUR}
             LIMIT {COMMENT_ACCOUNTS_CAP}) AS c) AS accounts
    FROM (SELECT DISTINCT comment_text FROM s WHERE s.comment_ms > :at - {HOUR}) AS x),
q_b AS (SELECT q.kind, q.entity, b.* FROM q CROSS JOIN LATERAL (  -- per entity, down its own index range
    SELECT sum(events) FILTER (WHERE bucket >= :edge - {HOUR}) AS events_1h, sum(events) AS events_24h,
           sum(churn) FILTER (WHERE bucket >= :edge - {HOUR}) AS churn_1h,
           sum(heartbeats) FILTER (WHERE bucket >= :edge - {HOUR}) AS heartbeats_1h,
           sum(comments) FILTER (WHERE bucket >= :edge - {HOUR}) AS comments_1h,
           sum(orders) AS orders_24h, sum(grants) AS grants_24h
    FROM risk_agg_bucket AS b WHERE b.kind = q.kind AND b.entity = q.entity
    AND bucket >= :edge - {DAY} AND bucket <= :at) AS b)
SELECT b.kind, b.entity, b.events_1h, b.events_24h, b.churn_1h, b.heartbeats_1h, b.comments_1h, b.orders_24h,
       b.grants_24h, p.accounts_1h, p.accounts_24h, p.rooms_1h, p.rooms_24h, p.ips_1h, p.devices_24h,
       s.first_ms, s.recent_all, s.recent_acts, CASE WHEN s.comment_ms > :at - {HOUR} THEN said.accounts ELSE 0 END
FROM q_b AS b
CROSS JOIN LATERAL (SELECT  -- each count reads at most DISTINCT_CAP pair rows, and only where it applies
    CASE WHEN b.kind <> 'member' THEN {_capped("member", HOUR)} END AS accounts_1h,
    CASE WHEN b.kind <> 'member' THEN {_capped("member", DAY)} END AS accounts_24h,
    CASE WHEN b.kind = 'member' THEN {_capped("room", HOUR)} END AS rooms_1h,
    CASE WHEN b.kind <> 'member' THEN {_capped("room", DAY)} END AS rooms_24h,
    CASE WHEN b.kind = 'member' THEN {_capped("ip", HOUR)} END AS ips_1h,
    CASE WHEN b.kind = 'member' THEN {_capped("device", DAY)} END AS devices_24h) AS p
LEFT JOIN s ON s.kind = b.kind AND s.entity = b.entity
LEFT JOIN said ON said.comment_text = s.comment_text"""


def entity_aggregates(conn: Connection, kinds: list[str], entities: list[str], at_ms: int) -> list[tuple]:
    """Plain tuples in COLUMNS order (NULL counts: nothing in the window), straight from the driver
    in the caller's transaction: SQLAlchemy Row objects cost more than the query for big batches."""
    params = {"kinds": array_literal(kinds), "entities": array_literal(entities), "at": at_ms, "edge": at_ms - at_ms % BUCKET_MS}
    # A prepared statement soon runs a generic plan costed for a few entities: right for one grant
    # (saves ~1 ms of planning), five times slower for thousands. Big batches are planned each time.
    prepare = None if len(kinds) <= PLANNED_EACH_TIME_FROM else False
    return conn.connection.driver_connection.execute(_DRIVER_SQL, params, prepare=prepare).fetchall()


PLANNED_EACH_TIME_FROM = 256  # entities


_DRIVER_SQL = re.sub(r":(\w+)", r"%(\1)s", _SQL)
