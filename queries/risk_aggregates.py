"""Read the running aggregates of a batch's entities: one statement, one array per column.

Windows follow domain/risk/features.py: 1 h counts from 10-minute buckets since floor(at, 10 min) - 1 h,
24 h counts from buckets (hourly ones too, once merged: activities/risk_compact.py) since floor(at, 1 h) - 24 h,
distinct counts (up to DISTINCT_CAP) from (entity, sub) rows last seen in (at - W, at], plus the entity's last
action times and how many accounts posted its latest comment text. Correct "as of now": nothing later than `at` is
folded yet.

The result is one row of bigint arrays in the order the entities were asked for, which numpy
reads from the wire (core/pg_numpy.py): one Python object per value of a 9,000-entity batch cost
more than the query's sums.
"""

import numpy as np
from sqlalchemy.engine import Connection

from core.driver_sql import pyformat
from core.pg_numpy import NO_VALUE, as_float, numpy_cursor
from core.pgarray import array_literal
from domain.risk.features import BUCKET_MS, COMMENT_ACCOUNTS_CAP, DAY, DISTINCT_CAP, HOUR, RECENT_ACTS

COUNTS = ("events_1h", "events_24h", "churn_1h", "heartbeats_1h", "comments_1h", "orders_24h", "grants_24h",
          "accounts_1h", "accounts_24h", "rooms_1h", "rooms_24h", "ips_1h", "devices_24h", "comment_accounts_1h")


def _capped(sub_kind: str, window_ms: int) -> str:
    """Distinct `sub_kind`s of the entity in the window, counted up to the cap down its key range."""
    return (f"(SELECT count(*) FROM (SELECT 1 FROM risk_agg_pair AS r WHERE r.kind = b.kind AND r.entity = b.entity "
            f"AND r.sub_kind = '{sub_kind}' AND r.last_ms > :at - {window_ms} LIMIT {DISTINCT_CAP}) AS c)")


# Pair rows one pass reads per entity: below it every count is exact (capped after); an entity with more
# (a device farm's device) falls back to one capped read per count.
PAIRS_READ = 3 * DISTINCT_CAP


def _exact_or_capped(name: str, sub_kind: str, window_ms: int, *, of_members: bool) -> str:
    """The count from the one pass if it read everything, else its own capped read; NULL for the kinds
    it is not a feature of (`of_members`: a member's, else a device's, IP's or network's)."""
    applies = "b.kind = 'member'" if of_members else "b.kind <> 'member'"
    return (f"CASE WHEN {applies} THEN CASE WHEN a.seen < {PAIRS_READ} THEN least(a.{name}, {DISTINCT_CAP}) "
            f"ELSE {_capped(sub_kind, window_ms)} END END AS {name}")


_SQL = f"""
WITH q(kind, entity, ord) AS (SELECT * FROM unnest(CAST(:kinds AS text[]), CAST(:entities AS text[])) WITH ORDINALITY),
s AS (SELECT e.* FROM q CROSS JOIN LATERAL (  -- down the key, entity by entity: a hash join read the whole
        SELECT * FROM risk_agg_entity AS e     -- table (254k rows, 118 ms for 5,000 entities); LIMIT keeps it a lookup
        WHERE e.kind = q.kind AND e.entity = q.entity LIMIT 1) AS e),
said AS (  -- each text once, however many of the batch's members said it; counting stops at the cap
    SELECT x.comment_text, (SELECT count(*) FROM (SELECT 1 FROM risk_agg_pair AS t WHERE t.kind = 'text'
             AND t.entity = x.comment_text AND t.sub_kind = 'member' AND t.last_ms > :at - {HOUR}
             LIMIT {COMMENT_ACCOUNTS_CAP}) AS c) AS accounts
    FROM (SELECT DISTINCT comment_text FROM s WHERE s.comment_ms > :at - {HOUR}) AS x),
q_b AS (SELECT q.kind, q.entity, q.ord, b.* FROM q CROSS JOIN LATERAL (  -- per entity, down its own index range
    SELECT sum(events) FILTER (WHERE bucket >= :edge - {HOUR}) AS events_1h, sum(events) AS events_24h,
           sum(churn) FILTER (WHERE bucket >= :edge - {HOUR}) AS churn_1h,
           sum(heartbeats) FILTER (WHERE bucket >= :edge - {HOUR}) AS heartbeats_1h,
           sum(comments) FILTER (WHERE bucket >= :edge - {HOUR}) AS comments_1h,
           sum(orders) AS orders_24h, sum(grants) AS grants_24h
    FROM risk_agg_bucket AS b WHERE b.kind = q.kind AND b.entity = q.entity
    AND bucket >= :day_edge - {DAY} AND bucket <= :at) AS b),
per_entity AS (SELECT b.ord, b.events_1h, b.events_24h, b.churn_1h, b.heartbeats_1h, b.comments_1h, b.orders_24h,
       b.grants_24h, p.accounts_1h, p.accounts_24h, p.rooms_1h, p.rooms_24h, p.ips_1h, p.devices_24h,
       CASE WHEN s.comment_ms > :at - {HOUR} THEN said.accounts END AS comment_accounts_1h, s.first_ms,
       -- every entity's times padded to one width (no value: NO_VALUE), so they stack into one 2-D array
       (coalesce(s.recent_acts, '{{}}')
        || array_fill(CAST({NO_VALUE} AS bigint), ARRAY[{RECENT_ACTS}]))[1:{RECENT_ACTS}] AS recent_acts
FROM q_b AS b
CROSS JOIN LATERAL (  -- the entity's pairs of the last 24 h in one pass down its key: all its distinct counts
    SELECT count(*) AS seen,
           count(*) FILTER (WHERE c.sub_kind = 'member') AS accounts_24h,
           count(*) FILTER (WHERE c.sub_kind = 'member' AND c.last_ms > :at - {HOUR}) AS accounts_1h,
           count(*) FILTER (WHERE c.sub_kind = 'room' AND c.last_ms > :at - {HOUR}) AS rooms_1h,
           count(*) FILTER (WHERE c.sub_kind = 'room') AS rooms_24h,
           count(*) FILTER (WHERE c.sub_kind = 'ip' AND c.last_ms > :at - {HOUR}) AS ips_1h,
           count(*) FILTER (WHERE c.sub_kind = 'device') AS devices_24h
    FROM (SELECT r.sub_kind, r.last_ms FROM risk_agg_pair AS r WHERE r.kind = b.kind AND r.entity = b.entity
          AND r.last_ms > :at - {DAY} LIMIT {PAIRS_READ}) AS c) AS a
CROSS JOIN LATERAL (SELECT  -- where it applies; past the read limit (a farm) each count reads its own range
    {_exact_or_capped("accounts_1h", "member", HOUR, of_members=False)},
    {_exact_or_capped("accounts_24h", "member", DAY, of_members=False)},
    {_exact_or_capped("rooms_24h", "room", DAY, of_members=False)},
    {_exact_or_capped("rooms_1h", "room", HOUR, of_members=True)},
    {_exact_or_capped("ips_1h", "ip", HOUR, of_members=True)},
    {_exact_or_capped("devices_24h", "device", DAY, of_members=True)}) AS p
LEFT JOIN s ON s.kind = b.kind AND s.entity = b.entity
LEFT JOIN said ON said.comment_text = s.comment_text)
SELECT {", ".join(f"array_agg(coalesce({c}, 0) ORDER BY ord)" for c in COUNTS)},
       array_agg(coalesce(first_ms, {NO_VALUE}) ORDER BY ord), array_agg(recent_acts ORDER BY ord)
FROM per_entity"""


def entity_aggregates(conn: Connection, kinds: list[str], entities: list[str], at_ms: int, *,
                      along: tuple[str, dict] | None = None) -> dict:
    """{column: array over the entities asked for, in that order}: COUNTS (0 when nothing is in the window),
    first_ms (NaN: never seen), recent_acts (entities x RECENT_ACTS, largest first, NaN-padded).
    Straight from the driver in the caller's transaction. `along`: a statement (driver SQL, parameters)
    sent in the same round trip just before the read, its rows under "along"; only for reads that take
    one round trip (`in_one_round_trip`)."""
    if along is not None and not in_one_round_trip(len(kinds)):
        raise ValueError(f"a read of {len(kinds)} entities is not one round trip: run the statement first")
    out: dict = {}
    raw = conn.connection.driver_connection
    if not kinds:
        return {name: np.zeros(0) for name in COUNTS} | {"first_ms": np.zeros(0),
                                                          "recent_acts": np.zeros((0, RECENT_ACTS))}
    params = {"kinds": array_literal(kinds), "entities": array_literal(entities), "at": at_ms,
              "edge": at_ms - at_ms % BUCKET_MS, "day_edge": at_ms - at_ms % HOUR}
    if not in_one_round_trip(len(kinds)):  # planned each time: a generic plan is five times slower for thousands
        row = numpy_cursor(raw).execute(_DRIVER_SQL, params, prepare=False).fetchone()
    else:
        # A few entities (a single grant): the generic plan, costed for a few, runs in ~0.4 ms, but left to
        # itself the plan cache keeps making a custom plan (1.2 ms of planning). Forced for this statement
        # only, in one round trip (4 entities: 1.56 -> 0.64 ms).
        with raw.pipeline():
            first = raw.execute(*along, prepare=True) if along is not None else None
            raw.execute(_GENERIC_PLAN)
            cursor = numpy_cursor(raw).execute(_DRIVER_SQL, params, prepare=True)
            raw.execute(_PLAN_AS_USUAL)
        if first is not None:
            out["along"] = first.fetchall()
        row = cursor.fetchone()
    out.update({name: values.astype(np.float64) for name, values in zip(COUNTS, row)})
    first_ms, recent_acts = row[len(COUNTS):]
    out["first_ms"], out["recent_acts"] = as_float(first_ms), as_float(recent_acts)  # no value -> NaN
    return out


PLANNED_EACH_TIME_FROM = 256  # entities


def in_one_round_trip(entities: int) -> bool:
    """A few entities are read by the prepared statement in one pipelined round trip; more are planned
    each time and read on their own."""
    return 0 < entities <= PLANNED_EACH_TIME_FROM
_GENERIC_PLAN = "SET LOCAL plan_cache_mode = force_generic_plan"
_PLAN_AS_USUAL = "SET LOCAL plan_cache_mode = DEFAULT"


_DRIVER_SQL = pyformat(_SQL)
