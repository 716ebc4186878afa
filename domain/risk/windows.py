"""Per-key time indexes over an event log, answering window questions for many query points at once.

Times are integer milliseconds so the batch path (one big log) and the serving path (a few entities'
recent events) do the same exact arithmetic and agree to the bit. Events of one key are sorted by
(key code, time) and addressed through a composite `code * span + time`, so one `searchsorted`
answers "how many events of this key in (t - w, t]" for every query together.
"""

import numpy as np


class KeyIndex:
    def __init__(self, codes: np.ndarray, t_ms: np.ndarray, span: int):
        keep = codes >= 0
        codes, t_ms = codes[keep], t_ms[keep]
        order = np.lexsort((t_ms, codes))
        self.codes, self.t = codes[order], t_ms[order]
        self.span = span
        self.comp = self.codes * span + self.t
        gaps = np.diff(self.t, prepend=self.t[:1]).astype(np.float64) / 1000.0
        self.sq = np.cumsum(gaps * gaps)  # prefix sums of squared gaps (seconds^2)

    def _at(self, qcodes: np.ndarray, qt: np.ndarray, side: str) -> np.ndarray:
        # clamp below the key's range so a window never reaches into the previous key
        return np.searchsorted(self.comp, qcodes * self.span + np.maximum(qt, -1), side=side)

    def count(self, qcodes: np.ndarray, qt: np.ndarray, window_ms: int) -> np.ndarray:
        hi = self._at(qcodes, qt, "right")
        lo = self._at(qcodes, qt - window_ms, "right")
        return np.where(qcodes >= 0, hi - lo, 0).astype(np.float64)

    def count_since(self, qcodes: np.ndarray, low: np.ndarray, qt: np.ndarray) -> np.ndarray:
        """Events of the key with low <= t <= qt (low is a bucket edge: see features.BUCKET_MS)."""
        hi = self._at(qcodes, qt, "right")
        lo = self._at(qcodes, low, "left")
        return np.where(qcodes >= 0, np.maximum(hi - lo, 0), 0).astype(np.float64)

    def last_before(self, qcodes: np.ndarray, qt: np.ndarray, window_ms: int) -> np.ndarray:
        """Sorted position of the key's last event in (qt - window, qt], or -1."""
        idx = self._at(qcodes, qt, "right") - 1
        if not len(self.t):
            return np.full(len(qt), -1)
        safe = np.clip(idx, 0, len(self.t) - 1)
        ok = (qcodes >= 0) & (idx >= 0) & (self.codes[safe] == qcodes) & (self.t[safe] > qt - window_ms)
        return np.where(ok, safe, -1)

    def since_previous(self, qcodes: np.ndarray, qt: np.ndarray, lookback_ms: int) -> np.ndarray:
        """Seconds since the key's last event strictly before t (capped at the lookback)."""
        idx = self._at(qcodes, qt, "left") - 1
        safe = np.clip(idx, 0, max(len(self.t) - 1, 0))
        ok = (qcodes >= 0) & (idx >= 0) & (len(self.t) > 0)
        if len(self.t):
            ok &= (self.codes[safe] == qcodes) & (self.t[safe] > qt - lookback_ms)
            prev = self.t[safe]
        else:
            prev = qt
        return np.where(ok, (qt - prev) / 1000.0, lookback_ms / 1000.0)

    def until_next(self, qcodes: np.ndarray, qt: np.ndarray, cap_ms: int, nth: int = 1) -> np.ndarray:
        """Seconds until the key's nth event strictly after t (capped at cap_ms). Looks into the
        future: only for complete offline logs (domain/risk/extended.py), never for serving."""
        if not len(self.t):
            return np.full(len(qt), cap_ms / 1000.0)
        idx = self._at(qcodes, qt, "right") + (nth - 1)
        safe = np.clip(idx, 0, len(self.t) - 1)
        ok = (qcodes >= 0) & (idx < len(self.t)) & (self.codes[safe] == qcodes) & (self.t[safe] < qt + cap_ms)
        return np.where(ok, (self.t[safe] - qt) / 1000.0, cap_ms / 1000.0)

    def first_seen_age(self, qcodes: np.ndarray, qt: np.ndarray, cap_ms: int) -> np.ndarray:
        """Seconds since the key's first event at or before t, capped at cap_ms (0 when none). A
        running aggregate keeps the first time ever seen, so this is what serving can know exactly."""
        lo = np.searchsorted(self.comp, qcodes * self.span - 1, side="right")
        hi = self._at(qcodes, qt, "right")
        ok = (qcodes >= 0) & (hi > lo)
        first = self.t[np.clip(lo, 0, max(len(self.t) - 1, 0))] if len(self.t) else qt
        return np.where(ok, np.minimum(qt - first, cap_ms) / 1000.0, 0.0)

    def regularity(self, qcodes: np.ndarray, qt: np.ndarray, lookback_ms: int, last: int = 10,
                   fewest: int = 6) -> np.ndarray:
        """Coefficient of variation of the last gaps between the key's events (scripts are regular,
        near 0; people are bursty, near or above 1). -1 when there are fewer than `fewest` gaps."""
        if not len(self.t):
            return np.full(len(qt), -1.0)
        hi = self._at(qcodes, qt, "right") - 1
        lo = self._at(qcodes, qt - lookback_ms, "right")
        a = np.maximum(lo, hi - last)
        m = hi - a
        ok = (qcodes >= 0) & (m >= fewest)
        hs, as_ = np.clip(hi, 0, len(self.t) - 1), np.clip(a, 0, len(self.t) - 1)
        mean = (self.t[hs] - self.t[as_]) / 1000.0 / np.maximum(m, 1)
        var = (self.sq[hs] - self.sq[as_]) / np.maximum(m, 1) - mean * mean
        cv = np.where(mean > 0, np.sqrt(np.maximum(var, 0.0)) / np.where(mean > 0, mean, 1.0), 0.0)
        return np.where(ok, np.round(cv, 6), -1.0)


class DistinctIndex:
    """How many distinct sub-keys (e.g. accounts) a key (e.g. a device) had in (t - w, t].

    Each (key, sub-key) pair is active over [event, floor(event, grain) + w); overlapping spans merge,
    and the answer is (spans started by t) - (spans ended by t). With a grain, a pair seen again
    within the same grain changes nothing, which is what lets the serving fold skip rewriting it.
    """

    def __init__(self, codes: np.ndarray, sub: np.ndarray, t_ms: np.ndarray, window_ms: int, span: int,
                 grain_ms: int = 1):
        keep = (codes >= 0) & (sub >= 0)
        codes, sub, t_ms = codes[keep], sub[keep], t_ms[keep]
        order = np.lexsort((t_ms, sub, codes))
        codes, sub, t_ms = codes[order], sub[order], t_ms[order]
        n = len(t_ms)
        new_pair = np.ones(n, bool)
        if n:
            new_pair[1:] = (codes[1:] != codes[:-1]) | (sub[1:] != sub[:-1])
        ends = t_ms - t_ms % grain_ms + window_ms  # each event keeps its pair active until here
        starts = new_pair.copy()
        if n:
            starts[1:] |= t_ms[1:] >= ends[:-1]
        run_id = np.cumsum(starts) - 1
        first = np.flatnonzero(starts)
        last_end = np.zeros(len(first), np.int64)
        np.maximum.at(last_end, run_id, ends) if n else None
        self.span = span
        self.start_comp = np.sort(codes[first] * span + t_ms[first])
        self.end_comp = np.sort(codes[first] * span + last_end)

    def count(self, qcodes: np.ndarray, qt: np.ndarray) -> np.ndarray:
        q = qcodes * self.span + qt
        below_key = qcodes * self.span - 1

        def up_to_q(comp: np.ndarray) -> np.ndarray:  # the key's positions in `comp` at or before q
            return np.searchsorted(comp, q, side="right") - np.searchsorted(comp, below_key, side="right")

        started, ended = up_to_q(self.start_comp), up_to_q(self.end_comp)
        return np.where(qcodes >= 0, started - ended, 0).astype(np.float64)
