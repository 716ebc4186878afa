"""Serving features for a whole batch of grants from the running aggregates, vectorized.

One query fetches one row per distinct entity of the batch (queries/risk_aggregates.py); numpy
turns those rows into the same matrix `domain.risk.features.compute` gives for the same query
points (tests/risk/test_features_agree.py). Only specs without context columns are served (live
models are trained on room events, which have none).
"""

import numpy as np
from sqlalchemy.engine import Connection

from domain.risk.features import ENTITY_ROLES, RECENT_ACTS, RECENT_ALL, FeatureSpec
from models.risk_base import GrantRequest
from queries.risk_aggregates import COLUMNS, entity_aggregates
from risk.logfile import network_of

_COUNTS = COLUMNS[2:15]


def request_entities(requests: list[GrantRequest]) -> dict[str, list[str]]:
    return {"device": [r.device_id for r in requests], "ip": [r.ip for r in requests],
            "network": [network_of(r.ip) if r.ip else "" for r in requests],
            "member": [r.member_id for r in requests]}


def _times(rows: list[tuple], column: int, width: int) -> np.ndarray:
    """Stored last-times arrays (largest first) as an (entities x width) float matrix, NaN-padded."""
    out = np.full((len(rows) + 1, width), np.nan)
    for i, row in enumerate(rows):
        values = row[column]
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
    at = {(row[0], row[1]): i for i, row in enumerate(rows)}
    n = len(rows)  # index n is the empty entity: a row of zeros / NaN times
    counts = np.zeros((n + 1, len(_COUNTS)))
    if n:
        counts[:n] = np.array([[v or 0 for v in row[2:15]] for row in rows], dtype=np.float64)
    first = np.array([row[15] if row[15] is not None else np.nan for row in rows] + [np.nan])
    comment_accounts = np.array([row[18] or 0 for row in rows] + [0], dtype=np.float64)
    gap = _gap(_times(rows, 16, RECENT_ALL), at_ms, lb)
    regular = _regularity(_times(rows, 17, RECENT_ACTS), at_ms, lb)
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
    return np.column_stack(cols)
