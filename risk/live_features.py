"""Serving features for a whole batch of grants from the running aggregates, vectorized.

One query fetches every distinct entity of the batch as arrays (queries/risk_aggregates.py); numpy
turns them into the same matrix `domain.risk.features.compute` gives for the same query
points (tests/risk/test_features_agree.py). Only specs without context columns are served (live
models are trained on room events, which have none).
"""

import numpy as np
from sqlalchemy.engine import Connection

from activities.risk_aggregates import FoldInTwo
from domain.risk.features import ENTITY_ROLES, FeatureSpec
from models.risk_base import GrantRequest
from queries.risk_aggregates import COUNTS, entity_aggregates, in_one_round_trip
from risk.logfile import cached_network_of
from risk.memory_follow import MemoryFollower
from risk.memory_process import MemoryProcess


def request_entities(requests: list[GrantRequest]) -> dict[str, list[str]]:
    return {"device": [r.device_id or "" for r in requests], "ip": [r.ip or "" for r in requests],
            "network": [cached_network_of(r.ip) if r.ip else "" for r in requests],
            "member": [r.member_id or "" for r in requests]}


def distinct_entities(per_role: dict[str, list[str]]) -> tuple[list[str], list[str], dict[str, np.ndarray]]:
    """The distinct (kind, entity) pairs, sorted (the query walks each table's key in order), and per role
    each request's position among them; a request without that entity points one past the end (n),
    at the empty entity. (A set and a dict: numpy's sort of unicode arrays took twice as long.)"""
    kinds, entities, positions = [], [], {}
    for role in sorted(per_role):
        values = per_role[role]
        unique = sorted(set(values).difference(("",)))
        at = dict(zip(unique, range(len(entities), len(entities) + len(unique))))
        at[""] = -1  # no such entity: pointed at n below, once n is known
        positions[role] = np.array([at[v] for v in values], dtype=np.intp)
        entities += unique
        kinds += [role] * len(unique)
    n = len(entities)
    return kinds, entities, {role: np.where(p < 0, n, p) for role, p in positions.items()}


def _with_empty(values: np.ndarray, fill: float) -> np.ndarray:
    """`values` and one more row for the empty entity (a grant without a device, say)."""
    return np.concatenate([values, np.full((1, *values.shape[1:]), fill)])


def _gap(recent: np.ndarray, at: int, lookback: int) -> np.ndarray:
    """Seconds since the last action strictly before `at` in the lookback, else the lookback."""
    before = np.where((recent < at) & (recent > at - lookback), recent, -np.inf).max(axis=1)
    return np.where(np.isfinite(before), (at - before) / 1000.0, lookback / 1000.0)


def _regularity(recent: np.ndarray, at: int, lookback: int, fewest: int = 6) -> np.ndarray:
    """Coefficient of variation of the gaps between the last (up to 11) events in the lookback."""
    inside = np.where((recent <= at) & (recent > at - lookback), recent, np.nan)
    gaps = (inside[:, :-1] - inside[:, 1:]) / 1000.0  # largest first, so each gap is positive
    m = np.sum(~np.isnan(gaps), axis=1)
    mean = np.nansum(gaps, axis=1) / np.maximum(m, 1)
    var = np.nansum(gaps * gaps, axis=1) / np.maximum(m, 1) - mean * mean
    cv = np.where(mean > 0, np.sqrt(np.maximum(var, 0.0)) / np.where(mean > 0, mean, 1.0), 0.0)
    return np.where(m >= fewest, np.round(cv, 6), -1.0)


def _from_tables(conn: Connection, kinds: list[str], entities: list[str], at_ms: int,
                 fold: FoldInTwo | None) -> dict:
    """`fold`: what is new is folded first. For a few entities (a single grant) its claim goes with the
    read in one round trip, and only when it found something to fold is the read made again; a bigger
    batch folds, then reads once."""
    along = fold is not None and in_one_round_trip(len(kinds))
    if fold is not None and not along:
        fold.run(conn)
    got = entity_aggregates(conn, kinds, entities, at_ms, along=fold.claim if along else None)
    if along and any(n > 0 for n in fold.apply(conn, got.pop("along")).values()):
        got = entity_aggregates(conn, kinds, entities, at_ms)
    return got


def live_features(conn: Connection, requests: list[GrantRequest], at_ms: int, spec: FeatureSpec, *,
                  fold: FoldInTwo | None = None, memory: MemoryFollower | MemoryProcess | None = None) -> np.ndarray:
    """From this process's memory (`memory`, caught up first), else from the aggregate tables
    (`fold`: what is new is folded into them first)."""
    if spec.context:
        raise ValueError("serving supports feature specs without context columns only")
    lb = spec.lookback_ms
    per_role = request_entities(requests)
    kinds, entities, idx = distinct_entities(per_role)
    got = (memory.read(kinds, entities, at_ms) if memory is not None
           else _from_tables(conn, kinds, entities, at_ms, fold))
    c = {name: _with_empty(got[name], 0.0) for name in COUNTS}
    first = _with_empty(got["first_ms"], np.nan)
    acts = _with_empty(got["recent_acts"], np.nan)
    gap, regular = _gap(acts, at_ms, lb), _regularity(acts, at_ms, lb)
    cols = []
    for role in ENTITY_ROLES:
        i = idx[role]
        cols += [c["events_1h"][i], c["events_24h"][i], gap[i], regular[i], c["churn_1h"][i]]
        if role != "member":
            cols += [c["accounts_1h"][i], c["accounts_24h"][i], c["rooms_24h"][i]]
    m = idx["member"]
    age = np.where(first <= at_ms, np.minimum(at_ms - first, lb) / 1000.0, 0.0)
    orders, grants = c["orders_24h"][m], c["grants_24h"][m]
    cols += [c["ips_1h"][m], c["devices_24h"][m], c["rooms_1h"][m], c["heartbeats_1h"][m], age[m], orders,
             c["comments_1h"][m], c["comment_accounts_1h"][m], grants,
             np.where(grants > 0, np.minimum(orders / np.maximum(grants, 1), 1.0), -1.0)]
    ip = idx["ip"]
    cols += [c["events_1h"][ip], gap[ip]]  # without context columns the IP+context key is the IP
    # events in the last hour from an entity that sent no player heartbeat in it
    cols += [np.where(c["heartbeats_1h"][idx[role]] > 0, 0.0, c["events_1h"][idx[role]]) for role in ENTITY_ROLES]
    return np.column_stack(cols)
