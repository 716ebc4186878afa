"""Array literals read back by PostgreSQL exactly as the Python values they were built from."""

from datetime import datetime, timezone

import numpy as np
from sqlalchemy import text

from core.pgarray import array_literal


def test_awkward_text_numbers_nulls_and_times_round_trip(conn):
    words = ["plain", "", "NULL", 'say "hi"', "back\\slash", "a,b", "{braces}", " spaced ", "tab\there",
             "line\nbreak", "优惠券 🎁", None]
    assert conn.execute(text("SELECT CAST(:a AS text[])"), {"a": array_literal(words)}).scalar() == words
    text_only = words[:-1]  # all text: the one-pass escape
    assert conn.execute(text("SELECT CAST(:a AS text[])"), {"a": array_literal(text_only)}).scalar() == text_only
    assert conn.execute(text("SELECT CAST(:a AS text[])"), {"a": array_literal(iter([""]))}).scalar() == [""]
    numbers = [0, -7, 2**62, None]
    assert conn.execute(text("SELECT CAST(:a AS bigint[])"), {"a": array_literal(numbers)}).scalar() == numbers
    floats = [0.1, 1e-300, -2.5, np.float64(0.25), np.int64(3)]
    assert conn.execute(text("SELECT CAST(:a AS float8[])"), {"a": array_literal(floats)}).scalar() \
        == [0.1, 1e-300, -2.5, 0.25, 3.0]
    at = datetime(2026, 12, 1, 22, 5, 1, 123456, tzinfo=timezone.utc)
    assert conn.execute(text("SELECT CAST(:a AS timestamptz[])"), {"a": array_literal([at])}).scalar() == [at]
    assert conn.execute(text("SELECT CAST(:a AS jsonb[])"), {"a": array_literal(['{"k": "v \\"q\\""}'])}).scalar() \
        == [{"k": 'v "q"'}]
    assert conn.execute(text("SELECT cardinality(CAST(:a AS text[]))"), {"a": array_literal([])}).scalar() == 0
