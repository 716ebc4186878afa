"""Fold new room events and risk decisions into the running aggregates the scorer reads.

Set-wise and incremental: each source has a cursor (last folded id); one statement per source
reads the rows after it, groups them per entity / bucket / pair and adds them with
INSERT ... ON CONFLICT DO UPDATE. No trigger on room_event, so intake pays nothing. The cursor row is
taken with SKIP LOCKED: while one transaction folds, others score with what is folded (nobody
waits). A fold runs inside the caller's transaction, so it commits or rolls back with it.
"""

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection
from temporalio import activity

from activities.risk_compact import compact_if_due
from activities.risk_prune import prune_if_due
from core.db import transaction
from core.driver_sql import pyformat
from core.pgarray import array_literal
from core.settings import get_settings
from domain.risk.features import BUCKET_MS, PAIR_GRAIN_MS, RECENT_ACTS
from models.risk import FoldInput, FoldResult
from queries.risk import COMMENT_KEY, DECISION_MS, DECISION_TYPE, EVENT_MS

_ROLES = "(VALUES ('device', e.device), ('ip', e.ip), ('network', e.network), ('member', e.member)) AS r(kind, entity)"
# A room event's pairs, from its (member, device, IP, room) as recorded in risk_agg_presence (alias g).
_PAIRS = ("(VALUES ('device', g.device, 'member', g.member), ('ip', g.ip, 'member', g.member), "
          "('network', g.network, 'member', g.member), ('device', g.device, 'room', g.room), "
          "('ip', g.ip, 'room', g.room), ('network', g.network, 'room', g.room), ('member', g.member, 'room', g.room), "
          "('member', g.member, 'ip', g.ip), ('member', g.member, 'device', g.device)) "
          "AS p(kind, entity, sub_kind, sub)")


def _newest(column: str, keep: int) -> str:
    """The `keep` largest times of the stored and the new array, largest first. Time moves forward, so
    the new times are nearly always all later than the stored ones: then putting the arrays end to end
    is already in order, and only the rare late event pays for unnest and sort."""
    new, old = f"excluded.{column}", f"risk_agg_entity.{column}"
    return (f"(CASE WHEN cardinality({new}) = 0 THEN {old} "
            f"WHEN cardinality({old}) = 0 OR {new}[cardinality({new})] >= {old}[1] THEN ({new} || {old})[1:{keep}] "
            f"ELSE (SELECT coalesce(array_agg(x ORDER BY x DESC), '{{}}') FROM (SELECT x FROM "
            f"unnest({old} || {new}) AS x ORDER BY x DESC LIMIT {keep}) AS n) END)")


FOLD_EVENTS = f"""
, e AS MATERIALIZED (
    SELECT id, {EVENT_MS} AS t, type, coalesce(member_id, '') AS member, coalesce(device_id, '') AS device,
           coalesce(ip, '') AS ip, room_id AS room, {COMMENT_KEY} AS text
    FROM room_event WHERE id > :after AND id <= :upto),
nets AS MATERIALIZED (  -- each address's /24 or /64 once: a slice's events come from an eighth as many addresses
    SELECT ip, risk_network(ip) AS network FROM (SELECT DISTINCT ip FROM e) AS d),
buckets AS (
    INSERT INTO risk_agg_bucket (kind, entity, bucket, events, churn, heartbeats, comments, orders, grants)
    SELECT r.kind, r.entity, e.bucket, sum(e.events), sum(e.churn), sum(e.heartbeats), sum(e.comments), sum(e.orders), 0
    FROM (  -- per viewer and bucket first: a watching viewer's many heartbeats become one row before the four roles
        SELECT g.*, n.network FROM (
            SELECT member, device, ip, t - t % {BUCKET_MS} AS bucket, count(*) AS events,
                   count(*) FILTER (WHERE type IN ('enter', 'leave')) AS churn,
                   count(*) FILTER (WHERE type = 'heartbeat') AS heartbeats,
                   count(*) FILTER (WHERE type = 'comment') AS comments,
                   count(*) FILTER (WHERE type = 'order_paid') AS orders
            FROM e GROUP BY 1, 2, 3, 4) AS g JOIN nets AS n ON n.ip = g.ip) AS e, LATERAL {_ROLES}
    WHERE r.entity <> '' GROUP BY 1, 2, 3
    ON CONFLICT (kind, entity, bucket) DO UPDATE SET events = risk_agg_bucket.events + excluded.events,
        churn = risk_agg_bucket.churn + excluded.churn, heartbeats = risk_agg_bucket.heartbeats + excluded.heartbeats,
        comments = risk_agg_bucket.comments + excluded.comments, orders = risk_agg_bucket.orders + excluded.orders
    RETURNING 1),
presence AS (  -- a watching viewer's heartbeats advance this once per grain; pairs follow only then
    INSERT INTO risk_agg_presence (member, device, ip, room, grain_ms)
    SELECT n.* FROM (SELECT e.member, e.device, e.ip, e.room, max(e.t - e.t % {PAIR_GRAIN_MS}) AS grain_ms
                     FROM e GROUP BY 1, 2, 3, 4) AS n
    WHERE NOT EXISTS (SELECT 1 FROM risk_agg_presence AS o WHERE o.member = n.member AND o.device = n.device
                      AND o.ip = n.ip AND o.room = n.room AND o.grain_ms >= n.grain_ms)
    ON CONFLICT (member, device, ip, room) DO UPDATE
        SET grain_ms = greatest(risk_agg_presence.grain_ms, excluded.grain_ms)
    RETURNING member, device, ip, room, grain_ms),
pairs AS (
    INSERT INTO risk_agg_pair (kind, entity, sub_kind, sub, last_ms)
    SELECT kind, entity, sub_kind, sub, max(last_ms) FROM (
        SELECT p.*, g.grain_ms AS last_ms
        FROM (SELECT presence.*, n.network FROM presence JOIN nets AS n ON n.ip = presence.ip) AS g, LATERAL {_PAIRS}
        UNION ALL  -- comments are few: their text -> member pairs go straight in
        SELECT 'text', e.text, 'member', e.member, e.t - e.t % {PAIR_GRAIN_MS} FROM e WHERE e.text <> '') AS x
    WHERE entity <> '' AND sub <> '' GROUP BY 1, 2, 3, 4
    ON CONFLICT (kind, entity, sub_kind, sub) DO UPDATE SET last_ms = greatest(risk_agg_pair.last_ms, excluded.last_ms)
    RETURNING 1),
entities AS (  -- actions only (heartbeats are half the events), but for a member's first-seen time:
               -- only a viewer whose presence advanced can be new, so only their heartbeats come in
    INSERT INTO risk_agg_entity (kind, entity, first_ms, recent_acts, comment_ms, comment_text)
    SELECT r.kind, r.entity, min(e.t),
           coalesce((array_agg(e.t ORDER BY e.t DESC) FILTER (WHERE e.type <> 'heartbeat'))[1:{RECENT_ACTS}], '{{}}'),
           max(e.t) FILTER (WHERE e.text <> '' AND r.kind = 'member'),
           coalesce((array_agg(e.text ORDER BY e.t DESC, e.text DESC)
                     FILTER (WHERE e.text <> '' AND r.kind = 'member'))[1], '')
    FROM (SELECT e.*, n.network FROM e JOIN nets AS n ON n.ip = e.ip) AS e, LATERAL {_ROLES}
    WHERE r.entity <> ''
      AND (e.type <> 'heartbeat' OR (r.kind = 'member' AND e.member IN (SELECT member FROM presence)))
    GROUP BY 1, 2
    ON CONFLICT (kind, entity) DO UPDATE SET first_ms = least(risk_agg_entity.first_ms, excluded.first_ms),
        recent_acts = {_newest('recent_acts', RECENT_ACTS)},
        comment_ms = greatest(risk_agg_entity.comment_ms, excluded.comment_ms),
        comment_text = CASE WHEN excluded.comment_ms >= coalesce(risk_agg_entity.comment_ms, -1)
                            THEN excluded.comment_text ELSE risk_agg_entity.comment_text END
    RETURNING 1)
SELECT (SELECT count(*) FROM e), (SELECT count(*) FROM buckets), (SELECT count(*) FROM pairs),
       (SELECT count(*) FROM entities)"""

FOLD_DECISIONS = f"""
, folded AS (INSERT INTO risk_agg_bucket (kind, entity, bucket, orders, grants)
SELECT 'member', member_id, t - t % {BUCKET_MS}, count(*) FILTER (WHERE type = 'order'),
       count(*) FILTER (WHERE type = 'grant')
FROM (SELECT member_id, {DECISION_MS} AS t, {DECISION_TYPE} AS type FROM risk_decision
      WHERE id > :after AND id <= :upto AND member_id <> '') AS d GROUP BY 1, 2, 3
ON CONFLICT (kind, entity, bucket) DO UPDATE SET orders = risk_agg_bucket.orders + excluded.orders,
    grants = risk_agg_bucket.grants + excluded.grants RETURNING 1)
SELECT count(*) FROM folded"""

# Which ids to fold, for every source asked for and not being folded by another transaction (one
# round trip): ids from the first one after the cursor up to `limit` further (ids have gaps -
# rolled-back intake, ON CONFLICT skips - so the range starts at the next existing id, never stalls
# on a gap), stopping before any row younger than the lag (so a row can not be passed over while an
# older intake transaction still commits). Two-sided id ranges keep every (generic, prepared) plan
# on the primary key; "ORDER BY id LIMIT n" let a generic plan sort the whole table.
def _next_slice(table: str, arrived: str) -> str:
    """The last id to fold from `table`: from its first id after the cursor, at most :limit ids on."""
    start = f"(SELECT min(f.id) FROM {table} AS f WHERE f.id > c.last_id)"
    return f"""(SELECT coalesce(min(id) FILTER (WHERE :lag > 0
                                          AND {arrived} > now() - make_interval(secs => :lag / 1000.0)) - 1,
                         max(id))
         FROM {table} WHERE id >= {start} AND id < {start} + :limit)"""


_UPTO = f"""
SELECT c.source, c.last_id, coalesce(
    CASE c.source WHEN 'room_event' THEN {_next_slice('room_event', 'received_at')}
                  ELSE {_next_slice('risk_decision', 'created_at')} END, c.last_id)
FROM risk_agg_cursor AS c WHERE c.source = ANY(CAST(:sources AS text[]))
ORDER BY c.source FOR UPDATE OF c SKIP LOCKED"""

_MOVE = "UPDATE risk_agg_cursor SET last_id = :upto, folded_at = now() WHERE source = :source"
SOURCES = {"room_event": FOLD_EVENTS, "risk_decision": FOLD_DECISIONS}
_UPTO_DRIVER = pyformat(_UPTO)
# parsed once: text() of these long statements cost a fair part of a single grant's scoring
_FOLD_TEXT = {source: text(f"WITH moved AS ({_MOVE} RETURNING 1) {sql.strip()}") for source, sql in SOURCES.items()}


@dataclass(frozen=True)
class FoldInTwo:
    """A fold in two steps, so a caller can send the first with its own read in one round trip:
    `claim` (SQL for the driver, and its parameters) picks the slices and locks their cursors;
    `apply` folds the slices claimed and says how many ids each source moved on."""

    claim: tuple[str, dict]
    sources: tuple[str, ...]

    def apply(self, conn: Connection, claimed: list[tuple]) -> dict[str, int]:
        """{source: ids folded} (-1: another transaction is folding it)."""
        out = dict.fromkeys(self.sources, -1)
        for source, after, upto in claimed:
            out[source] = max(int(upto - after), 0)
            if upto > after:
                conn.execute(_FOLD_TEXT[source], {"after": after, "upto": upto, "source": source})
        return out

    def run(self, conn: Connection) -> dict[str, int]:
        sql, params = self.claim
        return self.apply(conn, conn.connection.driver_connection.execute(sql, params, prepare=True).fetchall())


def fold_in_two(*, lag_ms: int | None = None, max_rows: int | None = None,
               sources: tuple[str, ...] = tuple(SOURCES)) -> FoldInTwo:
    settings = get_settings()
    lag = settings.risk_fold_lag_ms if lag_ms is None else lag_ms
    params = {"lag": lag, "limit": max_rows or settings.risk_fold_max_rows, "sources": array_literal(sources)}
    # straight through the driver, prepared: every grant scored asks, and usually nothing is new
    return FoldInTwo((_UPTO_DRIVER, params), tuple(sources))


def fold(conn: Connection, *, lag_ms: int | None = None, max_rows: int | None = None,
         sources: tuple[str, ...] = tuple(SOURCES)) -> dict[str, int]:
    """Fold what is new in each source; {source: ids folded} (-1: another transaction is folding it)."""
    return fold_in_two(lag_ms=lag_ms, max_rows=max_rows, sources=sources).run(conn)


# Room events after the cursor, counted by id (an upper bound: ids have gaps), without locking.
BACKLOG_SQL = ("SELECT coalesce((SELECT max(id) FROM room_event), 0) - last_id FROM risk_agg_cursor "
               "WHERE source = 'room_event'")


@activity.defn(name="fold_risk_aggregates")
def fold_risk_aggregates(inp: FoldInput) -> FoldResult:
    """For a schedule or an operator: fold what is waiting, in bounded transactions, up to the head
    (then, once an hour, drop aggregates too old to be read, and every ten minutes merge the buckets of
    closed hours).
    It stops at the first slice that is not full rather than chase events still arriving: slices of a
    few seconds' events each cost nearly as much as one of the whole interval (the same viewers' rows
    are rewritten in every slice), so the next run takes those in one."""
    limit = inp.max_rows or get_settings().risk_fold_max_rows
    total = 0
    while True:
        with transaction() as conn:
            done = fold(conn, max_rows=limit)
        total += sum(n for n in done.values() if n > 0)
        activity.heartbeat(total)
        if not any(n >= limit for n in done.values()):
            settings = get_settings()
            pruned = prune_if_due(keep_hours=settings.risk_aggregate_keep_hours,
                                  every_s=settings.risk_prune_every_s, heartbeat=activity.heartbeat)
            merged = compact_if_due(every_s=settings.risk_compact_every_s, heartbeat=activity.heartbeat)
            return FoldResult(rows=total, pruned=pruned, merged=merged)
