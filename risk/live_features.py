"""Serving features for a whole batch of grants from the running aggregates, vectorized.

One query fetches one row per distinct entity of the batch (queries/risk_aggregates.py); numpy
turns those rows into the same matrix `domain.risk.features.compute` gives for the same query
points (tests/risk/test_features_agree.py). Only specs without context columns are served (live
models are trained on room events, which have none).
"""

from functools import lru_cache

import numpy as np
from sqlalchemy.engine import Connection

from domain.risk.features import ENTITY_ROLES, RECENT_ACTS, RECENT_ALL, FeatureSpec
from models.risk_base import GrantRequest
from queries.risk_aggregates import COLUMNS, entity_aggregates
from risk.logfile import network_of

_COUNTS = COLUMNS[2:15]
_network = lru_cache(maxsize=1 << 16)(network_of)  # the same addresses come back again and again


def request_entities(requests: list[GrantRequest]) -> dict[str, list[str]]:
    return {"device": [r.device_id for r in requests], "ip": [r.ip for r in requests],
            "network": [_network(r.ip) if r.ip else "" for r in requests],
            "member": [r.member_id for r in requests]}


def _times(arrays: tuple, width: int) -> np.ndarray:
    """Stored last-times arrays (largest first) as an (entities x width) float matrix, NaN-padded."""
    out = np.full((len(arrays) + 1, width), np.nan)
    for i, values in enumerate(arrays):
        if values:
            out[i, :len(values)] = values[:width]
    return out


def _gap(recent: np.ndarray, at: int, lookback: int) -> np.ndarray:
    """Seconds since the last event strictly before `at` in the lookback, else the lookback."""
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


def live_features(conn: Connection, requests: list[GrantRequest], at_ms: int, spec: FeatureSpec) -> np.ndarray:
    if spec.context:
        raise ValueError("serving supports feature specs without context columns only")
    lb = spec.lookback_ms
    per_role = request_entities(requests)
    keys = sorted({(role, e) for role, values in per_role.items() for e in values if e})
    rows = entity_aggregates(conn, [k for k, _ in keys], [e for _, e in keys], at_ms) if keys else []
    n = len(rows)  # index n is the empty entity: zero counts, no times
    cols = list(zip(*rows)) if rows else [()] * len(COLUMNS)
    at = dict(zip(zip(cols[0], cols[1]), range(n)))
    counts = np.zeros((n + 1, len(_COUNTS)))
    if n:
        counts[:n] = np.nan_to_num(np.array(cols[2:15], dtype=np.float64).T)
    first = np.array(list(cols[15]) + [None], dtype=np.float64)  # None -> NaN
    comment_accounts = np.nan_to_num(np.array(list(cols[18]) + [0], dtype=np.float64))
    gap = _gap(_times(cols[16], RECENT_ALL), at_ms, lb)
    regular = _regularity(_times(cols[17], RECENT_ACTS), at_ms, lb)
    c = {name: counts[:, i] for i, name in enumerate(_COUNTS)}
    idx = {role: np.array([at.get((role, e), n) for e in values], dtype=np.intp) for role, values in per_role.items()}
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
             c["comments_1h"][m], comment_accounts[m], grants,
             np.where(grants > 0, np.minimum(orders / np.maximum(grants, 1), 1.0), -1.0)]
    ip = idx["ip"]
    cols += [c["events_1h"][ip], gap[ip]]  # without context columns the IP+context key is the IP
    # events in the last hour from an entity that sent no player heartbeat in it
    cols += [np.where(c["heartbeats_1h"][idx[role]] > 0, 0.0, c["events_1h"][idx[role]]) for role in ENTITY_ROLES]
    return np.column_stack(cols)
