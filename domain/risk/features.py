"""One feature definition for training and serving.

`compute(log, queries, spec)` answers, for each query point (entities + time), questions over the
events of the same entities in the lookback before it: counts per window, distinct accounts, rooms
and context values, enter/leave churn, gaps and their regularity, account age, orders. Training
passes the whole log as both `log` and `queries` (every event scored as of itself); serving passes
the few entities' recent events and one query per grant. Nothing here looks past the query time,
so the two paths give the same numbers (tests/domain/test_risk_features.py proves it).
"""

from dataclasses import dataclass, field

import numpy as np

from domain.risk.extended import extended_columns, extended_names
from domain.risk.windows import DistinctIndex, KeyIndex

HOUR, DAY = 3_600_000, 86_400_000
ENTITY_ROLES = ("device", "ip", "network", "member")
CHURN_TYPES = ("enter", "leave")
ORDER_TYPES = ("order_paid", "order")


@dataclass
class EventLog:
    """Columns of equal length. t_ms: event time in epoch milliseconds (int64). keys: role -> str
    array ('' = unknown); roles are device, ip, network, member, room. context: extra categorical
    columns (app, channel, ...). etype: event type ('' when the log has none)."""

    t_ms: np.ndarray
    keys: dict[str, np.ndarray]
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
            out += [f"{role}_events_1h", f"{role}_events_24h", f"{role}_gap_s", f"{role}_regularity",
                    f"{role}_churn_1h"]
            if role != "member":
                out += [f"{role}_accounts_1h", f"{role}_accounts_24h", f"{role}_rooms_24h"]
        out += ["member_ips_1h", "member_devices_24h", "member_rooms_1h", "member_heartbeats_1h",
                "member_age_s", "member_orders_24h", "member_comments_1h", "ipctx_events_1h", "ipctx_gap_s"]
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
    et, qt = log.t_ms.astype(np.int64) - t0, queries.t_ms.astype(np.int64) - t0
    span = int(max(et.max() if len(et) else 0, qt.max() if len(qt) else 0)) + 2 * lb + 2
    types = log.etype.astype(str)
    churn = np.isin(types, CHURN_TYPES)
    cols: list[np.ndarray] = []
    codes = {role: _codes(log.column(role), queries.column(role)) for role in ENTITY_ROLES + ("room",)}
    member_e, member_q = codes["member"]
    room_e, _ = codes["room"]
    for role in ENTITY_ROLES:
        ce, cq = codes[role]
        idx = KeyIndex(ce, et, span)
        # heartbeats are periodic by design in every client, so regularity looks at the other events
        acts = KeyIndex(np.where(types != "heartbeat", ce, -1), et, span)
        cols += [idx.count(cq, qt, HOUR), idx.count(cq, qt, DAY), idx.since_previous(cq, qt, lb),
                 acts.regularity(cq, qt, lb), KeyIndex(np.where(churn, ce, -1), et, span).count(cq, qt, HOUR)]
        if role != "member":
            cols += [DistinctIndex(ce, member_e, et, HOUR, span).count(cq, qt),
                     DistinctIndex(ce, member_e, et, DAY, span).count(cq, qt),
                     DistinctIndex(ce, room_e, et, DAY, span).count(cq, qt)]
    ip_e, ip_q = codes["ip"]
    device_e, _ = codes["device"]
    members = KeyIndex(member_e, et, span)
    cols += [DistinctIndex(member_e, ip_e, et, HOUR, span).count(member_q, qt),
             DistinctIndex(member_e, device_e, et, DAY, span).count(member_q, qt),
             DistinctIndex(member_e, room_e, et, HOUR, span).count(member_q, qt),
             KeyIndex(np.where(types == "heartbeat", member_e, -1), et, span).count(member_q, qt, HOUR),
             members.first_seen_age(member_q, qt, lb),
             KeyIndex(np.where(np.isin(types, ORDER_TYPES), member_e, -1), et, span).count(member_q, qt, DAY),
             KeyIndex(np.where(types == "comment", member_e, -1), et, span).count(member_q, qt, HOUR)]
    ctx_e = [log.context[c] for c in spec.context]
    ctx_q = [queries.context[c] for c in spec.context]
    ce, cq = _codes(_combo(log, [log.column("ip")] + ctx_e), _combo(queries, [queries.column("ip")] + ctx_q))
    combo = KeyIndex(ce, et, span)
    cols += [combo.count(cq, qt, HOUR), combo.since_previous(cq, qt, lb)]
    for c, ve, vq in zip(spec.context, ctx_e, ctx_q):
        ke, kq = _codes(_combo(log, [log.column("ip"), ve]), _combo(queries, [queries.column("ip"), vq]))
        sub_e, _ = _codes(ve.astype(str), vq.astype(str))
        per_value = KeyIndex(ke, et, span)
        cols += [per_value.count(kq, qt, DAY), per_value.since_previous(kq, qt, lb),
                 DistinctIndex(ip_e, sub_e, et, DAY, span).count(ip_q, qt)]
    cols += extended_columns(log, queries, spec.context, getattr(spec, "long_ms", 0))
    return np.column_stack(cols) if cols else np.zeros((len(queries), 0))

