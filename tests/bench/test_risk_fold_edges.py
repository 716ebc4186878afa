from bench.risk_fold_edges import _shift_to
from domain.risk.features import BUCKET_MS, PAIR_GRAIN_MS


def test_the_shift_puts_the_asked_edge_at_the_asked_time():
    for first in (0, 7_123, BUCKET_MS - 1, PAIR_GRAIN_MS + 5):
        rows = [(0, first)]
        for at in (0, 150_000, 299_999):
            grain = first + at + _shift_to(rows, at, bucket_edge=False)
            assert grain % PAIR_GRAIN_MS == 0 and grain % BUCKET_MS != 0, (first, at)
            bucket = first + at + _shift_to(rows, at, bucket_edge=True)
            assert bucket % BUCKET_MS == 0, (first, at)
            assert _shift_to(rows, at, bucket_edge=True) >= 0 and _shift_to(rows, at, bucket_edge=False) >= 0
