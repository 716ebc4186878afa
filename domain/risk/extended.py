"""Extended features for complete, labeled offline logs with context columns (app, channel, OS, ...).

Present only when `FeatureSpec.long_ms > 0` (only `liveperks risk evaluate` sets it); the live spec
leaves it at 0, so serving computes exactly the base features and never sees this block.

Unlike the base block, these features read the WHOLE log, future included: a recorded log is
complete, and the strongest known signals on click logs are of that kind - how many events a
combination has over the whole log, and the seconds until the same "who" clicks again with the
same context ("next click": a farm fires the same click in bursts, a person who installs an app
does not come back to its ad). Whole-log counts also keep their meaning along the log, whereas
past-only counts over a long window grow with the row's position and shift between an early
training part and a later test part. The block therefore must never be computed for serving.

The entity ("who") is the log's first present role of ip, device, member. Per entity, per context
value, per (who, value), per pair of context columns and per (who, pair): events over the whole log;
per (who, value), (who, pair), (who, all contexts but one) and (who, all contexts): seconds until the
next event (capped at long_ms); distinct values per who; the hour of day (UTC).
"""

from itertools import combinations

import numpy as np

from domain.risk.windows import KeyIndex

HOUR, DAY = 3_600_000, 86_400_000


def _leave_one_out(context: tuple[str, ...]) -> list[tuple[str, ...]]:
    """All contexts but one, when that is more than a pair (pairs have their own features)."""
    return [tuple(c for c in context if c != drop) for drop in context] if len(context) > 3 else []


def _key(parts: tuple[str, ...]) -> str:
    return "_".join(parts)


def extended_names(context: tuple[str, ...], long_ms: int) -> list[str]:
    if long_ms <= 0:
        return []
    out = ["hour_of_day", "entity_events_all", "entity_next_s"]
    for c in context:
        out += [f"{c}_events_all", f"entity_{c}_events_all", f"entity_{c}_next_s", f"entity_distinct_{c}_all"]
    for a, b in combinations(context, 2):
        out += [f"{a}_{b}_events_all", f"entity_{a}_{b}_events_all", f"entity_{a}_{b}_next_s"]
    out += [f"entity_{_key(rest)}_next_s" for rest in _leave_one_out(context)]
    if context:
        out += ["entity_context_events_all", "entity_context_gap_s", "entity_context_next_s",
                "entity_context_next2_s"]
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


def _totals(ce: np.ndarray, cq: np.ndarray) -> np.ndarray:
    """Events of the query's key in the whole log (0 for an unknown key)."""
    size = int(max(ce.max(initial=-1), cq.max(initial=-1))) + 1
    per_key = np.bincount(ce[ce >= 0], minlength=size).astype(np.float64)
    return np.where(cq >= 0, per_key[np.maximum(cq, 0)] if size else 0.0, 0.0)


def _distinct_totals(ke: np.ndarray, ve: np.ndarray, kq: np.ndarray) -> np.ndarray:
    """Distinct values (ve >= 0) per key over the whole log."""
    keep = (ke >= 0) & (ve >= 0)
    pairs = np.unique(np.stack([ke[keep], ve[keep]], axis=1), axis=0)
    return _totals(pairs[:, 0] if len(pairs) else np.zeros(0, np.int64), kq)


def extended_columns(log, queries, context: tuple[str, ...], long_ms: int) -> list[np.ndarray]:
    if long_ms <= 0:
        return []
    n_log, n_q = len(log), len(queries)
    t0 = min(int(log.t_ms.min()) if n_log else 0, int(queries.t_ms.min()) if n_q else 0)
    et, qt = log.t_ms.astype(np.int64) - t0, queries.t_ms.astype(np.int64) - t0
    span = int(max(et.max() if n_log else 0, qt.max() if n_q else 0)) + 2 * long_ms + 2
    role = next((r for r in ("ip", "device", "member") if r in log.keys), None)
    who_e = log.column(role) if role else np.full(n_log, "", dtype=object)
    who_q = queries.column(role) if role else np.full(n_q, "", dtype=object)
    ctx_e = {c: log.context[c] for c in context}
    ctx_q = {c: queries.context[c] for c in context}
    cols: list[np.ndarray] = [((queries.t_ms.astype(np.int64) // HOUR) % 24).astype(np.float64)]

    def codes(parts: tuple[str, ...], with_who: bool = True) -> tuple[np.ndarray, np.ndarray]:
        return _joint_codes(([who_e] if with_who else []) + [ctx_e[c] for c in parts],
                            ([who_q] if with_who else []) + [ctx_q[c] for c in parts])

    def next_click(ce: np.ndarray, cq: np.ndarray, nth: int = 1) -> np.ndarray:
        return KeyIndex(ce, et, span).until_next(cq, qt, long_ms, nth)

    entity_e, entity_q = codes(())
    cols += [_totals(entity_e, entity_q), next_click(entity_e, entity_q)]
    for c in context:
        value_e, value_q = codes((c,), with_who=False)
        ke, kq = codes((c,))
        cols += [_totals(value_e, value_q), _totals(ke, kq), next_click(ke, kq),
                 _distinct_totals(entity_e, value_e, entity_q)]
    for a, b in combinations(context, 2):
        pe, pq = codes((a, b), with_who=False)
        ke, kq = codes((a, b))
        cols += [_totals(pe, pq), _totals(ke, kq), next_click(ke, kq)]
    for rest in _leave_one_out(context):
        cols.append(next_click(*codes(rest)))
    if context:
        ke, kq = codes(context)
        index = KeyIndex(ke, et, span)
        cols += [_totals(ke, kq), index.since_previous(kq, qt, long_ms), index.until_next(kq, qt, long_ms),
                 index.until_next(kq, qt, long_ms, nth=2)]
    return cols
