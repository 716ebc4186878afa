"""One feature definition for training and serving.

`compute(log, queries, spec)` answers, for each query point (entities + time), questions over the
events of the same entities before it: counts per window, distinct accounts, rooms and context
values, enter/leave churn, gaps and their regularity, account age, orders and grants, comment
repetition across accounts. Training passes the whole log as both `log` and `queries` (every event
scored as of itself). Serving does not run this code on raw events: it reads running aggregates
(risk/aggregates.py) that are defined to give the same numbers for a query at "now", when no later
event exists yet; tests/risk/test_features_agree.py proves the two agree on the database.

The definitions are chosen so that such aggregates exist:
- window COUNTS have an aligned lower edge: a "1 h" count covers events with floor(q, 10 min) - 1 h <= t <= q
  (60..70 minutes, a sum of 10-minute buckets), a "24 h" count those with floor(q, 1 h) - 24 h <= t <= q
  (24..25 hours, so buckets older than a few hours can be merged into hourly ones);
- DISTINCT counts are sliding windows (t - W, t] over times floored to a 5-minute grain: a (key,
  sub-key) row keeps its last grain, so a viewer's heartbeats rewrite it once per grain, not per event;
- the action gap and regularity use the key's last few actions (any room event but a player
  heartbeat), kept as a short array per key;
- account age is the time since the member was first seen, capped at the lookback.
Settlement orders and grants are member-only side events: they feed only the order and grant
features, never event counts, gaps or regularity.
"""

from dataclasses import dataclass, field

import numpy as np

from domain.risk.extended import extended_columns, extended_names
from domain.risk.windows import DistinctIndex, KeyIndex

HOUR, DAY = 3_600_000, 86_400_000
BUCKET_MS = 600_000  # window counts start at a 10-minute edge (the aggregates' bucket)
ENTITY_ROLES = ("device", "ip", "network", "member")
CHURN_TYPES = ("enter", "leave")
ORDER_TYPES = ("order_paid", "order")
SIDE_TYPES = ("order", "grant")  # member-only rows from settlement and risk_decision, not room events
# Distinct counts served from pairs stop here: a /24 with 100 accounts in an hour is as telling as one with
# 800, and serving reads at most this many pair rows per entity (a busy network's were most of a batch's reads).
DISTINCT_CAP = 100
COMMENT_ACCOUNTS_CAP = 50  # "the same text from 50+ accounts" is as telling as from 2,000, and cheaper to count
PAIR_GRAIN_MS = 300_000  # distinct-count times are floored to this (the fold writes a pair once per grain)
RECENT_ACTS = 11  # last action times a serving aggregate keeps (the action gap; regularity of 10 gaps)


@dataclass
class EventLog:
    """Columns of equal length. t_ms: event time in epoch milliseconds (int64). keys: role -> str
    array ('' = unknown); roles are device, ip, network, member, room. context: extra categorical
    columns (app, channel, ...). etype: event type ('' when the log has none)."""

    t_ms: np.ndarray
    keys: dict[str, np.ndarray]  # 'text': normalized comment text ('' when none)
    etype: np.ndarray
    context: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.t_ms)

    def column(self, role: str) -> np.ndarray:
        return self.keys.get(role, np.full(len(self), "", dtype=object))


@dataclass(frozen=True)
class FeatureSpec:
    context: tuple[str, ...] = ()
    lookback_ms: int = DAY
    long_ms: int = 0  # > 0: the extended block (domain/risk/extended.py); offline evaluation only

    def names(self) -> list[str]:
        out = []
        for role in ENTITY_ROLES:
            out += [f"{role}_events_1h", f"{role}_events_24h", f"{role}_action_gap_s", f"{role}_regularity",
                    f"{role}_churn_1h"]
            if role != "member":
                out += [f"{role}_accounts_1h", f"{role}_accounts_24h", f"{role}_rooms_24h"]
        out += ["member_ips_1h", "member_devices_24h", "member_rooms_1h", "member_heartbeats_1h",
                "member_age_s", "member_orders_24h", "member_comments_1h", "member_comment_accounts_1h",
                "member_grants_24h", "member_grant_order_share", "ipctx_events_1h", "ipctx_action_gap_s"]
        out += [f"{role}_events_no_player_1h" for role in ENTITY_ROLES]
        for c in self.context:
            out += [f"ip_{c}_events_24h", f"ip_{c}_gap_s", f"ip_distinct_{c}_24h"]
        return out + extended_names(self.context, getattr(self, "long_ms", 0))


def _codes(*columns: np.ndarray) -> list[np.ndarray]:
    """Joint integer codes for several string arrays ('' -> -1)."""
    joined = np.concatenate(columns) if columns else np.array([], dtype=object)
    values, inverse = np.unique(joined.astype(str), return_inverse=True)
    empty = np.searchsorted(values, "")
    missing = empty < len(values) and values[empty] == ""
    inverse = inverse.astype(np.int64)
    if missing:
        inverse = np.where(inverse == empty, -1, inverse)
    out, at = [], 0
    for c in columns:
        out.append(inverse[at:at + len(c)])
        at += len(c)
    return out


def _combo(log: EventLog, roles_and_ctx: list[np.ndarray]) -> np.ndarray:
    parts = [p.astype(str) for p in roles_and_ctx]
    joined = parts[0].astype(object)
    for p in parts[1:]:
        joined = joined + "|" + p
    return np.where(parts[0] == "", "", joined).astype(object)


def compute(log: EventLog, queries: EventLog, spec: FeatureSpec) -> np.ndarray:
    """Feature matrix (len(queries) x len(spec.names())), float64."""
    lb = spec.lookback_ms
    t0 = min(int(log.t_ms.min()) if len(log) else 0, int(queries.t_ms.min()) if len(queries) else 0)
    t0 -= t0 % HOUR  # keeps bucket and hour edges where they are in absolute time
    et, qt = log.t_ms.astype(np.int64) - t0, queries.t_ms.astype(np.int64) - t0
    edge, day_edge = qt - qt % BUCKET_MS, qt - qt % HOUR
    span = int(max(et.max() if len(et) else 0, qt.max() if len(qt) else 0)) + 2 * lb + 2
    types = log.etype.astype(str)
    room_events = ~np.isin(types, SIDE_TYPES)
    churn = np.isin(types, CHURN_TYPES)
    cols: list[np.ndarray] = []
    unplayed: list[np.ndarray] = []
    heartbeats: dict[str, np.ndarray] = {}
    codes = {role: _codes(log.column(role), queries.column(role)) for role in ENTITY_ROLES + ("room",)}
    member_e, member_q = codes["member"]
    room_e, _ = codes["room"]
    for role in ENTITY_ROLES:
        ce, cq = codes[role]
        own = np.where(room_events, ce, -1)
        idx = KeyIndex(own, et, span)
        # heartbeats are periodic by design in every client, so gaps and regularity look at the other
        # events (actions): a watcher's heartbeat gap says nothing, and serving need not track them
        acts = KeyIndex(np.where(types != "heartbeat", own, -1), et, span)
        events_1h = idx.count_since(cq, edge - HOUR, qt)
        heartbeats[role] = KeyIndex(np.where(types == "heartbeat", own, -1), et, span).count_since(cq, edge - HOUR, qt)
        unplayed.append(np.where(heartbeats[role] > 0, 0.0, events_1h))
        cols += [events_1h, idx.count_since(cq, day_edge - DAY, qt),
                 acts.since_previous(cq, qt, lb), acts.regularity(cq, qt, lb),
                 KeyIndex(np.where(churn, own, -1), et, span).count_since(cq, edge - HOUR, qt)]
        if role != "member":
            cols += [_distinct(own, member_e, et, HOUR, span, cq, qt),
                     _distinct(own, member_e, et, DAY, span, cq, qt),
                     _distinct(own, room_e, et, DAY, span, cq, qt)]
    ip_e, ip_q = codes["ip"]
    device_e, _ = codes["device"]
    member_own = np.where(room_events, member_e, -1)
    orders = KeyIndex(np.where(np.isin(types, ORDER_TYPES), member_e, -1), et, span).count_since(
        member_q, day_edge - DAY, qt)
    grants = KeyIndex(np.where(types == "grant", member_e, -1), et, span).count_since(member_q, day_edge - DAY, qt)
    cols += [_distinct(member_e, ip_e, et, HOUR, span, member_q, qt),
             _distinct(member_e, device_e, et, DAY, span, member_q, qt),
             _distinct(member_own, room_e, et, HOUR, span, member_q, qt),
             heartbeats["member"],  # heartbeats are room events, so the member's own index counts them all
             KeyIndex(member_own, et, span).first_seen_age(member_q, qt, lb),
             orders,
             KeyIndex(np.where(types == "comment", member_e, -1), et, span).count_since(member_q, edge - HOUR, qt),
             _comment_accounts(log, types, member_e, member_q, et, qt, span),
             grants, np.where(grants > 0, np.minimum(orders / np.maximum(grants, 1), 1.0), -1.0)]
    ctx_e = [log.context[c] for c in spec.context]
    ctx_q = [queries.context[c] for c in spec.context]
    ce, cq = _codes(_combo(log, [log.column("ip")] + ctx_e), _combo(queries, [queries.column("ip")] + ctx_q))
    combo = KeyIndex(np.where(room_events, ce, -1), et, span)
    combo_acts = KeyIndex(np.where(room_events & (types != "heartbeat"), ce, -1), et, span)
    cols += [combo.count_since(cq, edge - HOUR, qt), combo_acts.since_previous(cq, qt, lb)]
    cols += unplayed  # events in the last hour from an entity that sent no player heartbeat in it
    for c, ve, vq in zip(spec.context, ctx_e, ctx_q):
        ke, kq = _codes(_combo(log, [log.column("ip"), ve]), _combo(queries, [queries.column("ip"), vq]))
        sub_e, _ = _codes(ve.astype(str), vq.astype(str))
        per_value = KeyIndex(np.where(room_events, ke, -1), et, span)
        cols += [per_value.count_since(kq, day_edge - DAY, qt), per_value.since_previous(kq, qt, lb),
                 DistinctIndex(ip_e, sub_e, et, DAY, span).count(ip_q, qt)]  # offline only: exact
    cols += extended_columns(log, queries, spec.context, getattr(spec, "long_ms", 0))
    return np.column_stack(cols) if cols else np.zeros((len(queries), 0))


def _distinct(codes: np.ndarray, sub: np.ndarray, et: np.ndarray, window_ms: int, span: int, qcodes: np.ndarray,
              qt: np.ndarray) -> np.ndarray:
    """Distinct sub-keys per key in the window, by pair grain, at most DISTINCT_CAP (as served)."""
    return np.minimum(DistinctIndex(codes, sub, et, window_ms, span, PAIR_GRAIN_MS).count(qcodes, qt), DISTINCT_CAP)


def _comment_accounts(log: EventLog, types: np.ndarray, member_e: np.ndarray, member_q: np.ndarray,
                      et: np.ndarray, qt: np.ndarray, span: int) -> np.ndarray:
    """How many accounts posted, in (t - 1 h, t], the same text as the member's latest comment in
    that hour (the member included; 0 without one; at most the cap). Many accounts with one text =
    a spam ring."""
    text = log.column("text").astype(str)
    said = (types == "comment") & (text != "") & (member_e >= 0)
    if not said.any():
        return np.zeros(len(qt))
    (text_e,) = _codes(np.where(said, text, "").astype(object))
    positions = np.flatnonzero(said)
    mine = KeyIndex(np.where(said, member_e, -1), et, span)
    order = positions[np.lexsort((et[positions], member_e[positions]))]  # KeyIndex's sort order
    last = mine.last_before(member_q, qt, HOUR)
    latest_text = np.where(last >= 0, text_e[order[np.maximum(last, 0)]], -1)
    accounts = _distinct(text_e, member_e, et, HOUR, span, latest_text, qt)
    return np.minimum(accounts, COMMENT_ACCOUNTS_CAP)
