"""Extended features for labeled logs with context columns (app, channel, OS, ...) and long history.

Present only when `FeatureSpec.long_ms > 0` (offline evaluation sets it); the live spec leaves it
at 0, so serving computes exactly the base features. Like the base block, everything here is as of
the query time and looks only at the past, so a query in the middle of a log sees what a live
scorer would have seen then.

The entity is the log's first present role of ip, device, member ("who clicks"). Per entity, per
context value and per (entity, context value[s]) it counts events over several windows (a click
farm repeats the same app / channel from one address; a popular value is common traffic), measures
the seconds since the same combination was last seen, and counts distinct values per entity.
"""

from itertools import combinations

import numpy as np

from domain.risk.windows import DistinctIndex, KeyIndex

HOUR = 3_600_000
ENTITY_ORDER = ("ip", "device", "member")
SHORT = ((HOUR, "1h"), (6 * HOUR, "6h"), (24 * HOUR, "24h"))


def _windows(long_ms: int) -> tuple[tuple[int, str], ...]:
    return SHORT + ((long_ms, "long"),)


def extended_names(context: tuple[str, ...], long_ms: int) -> list[str]:
    if long_ms <= 0:
        return []
    wins = [n for _, n in _windows(long_ms)]
    out = [f"entity_events_{w}" for w in wins] + ["entity_gap_s"]
    for c in context:
        out += [f"{c}_events_{w}" for w in wins]  # how common the value is right now
        out += [f"entity_{c}_events_{w}" for w in wins] + [f"entity_{c}_gap_s", f"entity_distinct_{c}_long"]
    for a, b in combinations(context, 2):
        out += [f"{a}_{b}_events_24h", f"entity_{a}_{b}_events_long", f"entity_{a}_{b}_gap_s"]
    return out


def _joint_codes(log_parts: list[np.ndarray], query_parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of the joined values, shared by log and queries; -1 when the first part is ''."""
    def join(parts: list[np.ndarray]) -> np.ndarray:
        out = parts[0].astype(str).astype(object)
        for p in parts[1:]:
            out = out + "\x1f" + p.astype(str)
        return np.where(parts[0].astype(str) == "", "", out)
    joined = np.concatenate([join(log_parts), join(query_parts)]).astype(str)
    values, inverse = np.unique(joined, return_inverse=True)
    inverse = np.where(values[inverse] == "", -1, inverse).astype(np.int64)
    return inverse[:len(log_parts[0])], inverse[len(log_parts[0]):]


def extended_columns(log, queries, context: tuple[str, ...], long_ms: int) -> list[np.ndarray]:
    if long_ms <= 0:
        return []
    n_log, n_q = len(log), len(queries)
    t0 = min(int(log.t_ms.min()) if n_log else 0, int(queries.t_ms.min()) if n_q else 0)
    et, qt = log.t_ms.astype(np.int64) - t0, queries.t_ms.astype(np.int64) - t0
    span = int(max(et.max() if n_log else 0, qt.max() if n_q else 0)) + 2 * long_ms + 2
    role = next((r for r in ENTITY_ORDER if r in log.keys), None)
    who_e = log.column(role) if role else np.full(n_log, "", dtype=object)
    who_q = queries.column(role) if role else np.full(n_q, "", dtype=object)
    wins = _windows(long_ms)
    cols: list[np.ndarray] = []

    def counts(ce: np.ndarray, cq: np.ndarray, which=wins, gap: bool = False) -> None:
        index = KeyIndex(ce, et, span)
        cols.extend(index.count(cq, qt, w) for w, _ in which)
        if gap:
            cols.append(index.since_previous(cq, qt, long_ms))

    counts(*_joint_codes([who_e], [who_q]), gap=True)
    entity_e, entity_q = _joint_codes([who_e], [who_q])
    for c in context:
        ve, vq = log.context[c], queries.context[c]
        counts(*_joint_codes([ve], [vq]))
        counts(*_joint_codes([who_e, ve], [who_q, vq]), gap=True)
        sub_e, _ = _joint_codes([ve], [vq])
        cols.append(DistinctIndex(entity_e, sub_e, et, long_ms, span).count(entity_q, qt))
    for a, b in combinations(context, 2):
        ae, aq, be, bq = log.context[a], queries.context[a], log.context[b], queries.context[b]
        counts(*_joint_codes([ae, be], [aq, bq]), which=wins[2:3])
        counts(*_joint_codes([who_e, ae, be], [who_q, aq, bq]), which=wins[3:], gap=True)
    return cols
