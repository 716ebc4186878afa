from collections import Counter

import pytest

from domain.errors import BadInput
from domain.experiments import HOLDOUT, arms, assign, bucket

VARIANTS = [("5 yuan", 0.45), ("10 yuan", 0.45)]


def test_same_member_same_arm_every_time():
    first = [assign("exp-1", f"m{i}", 0.1, VARIANTS) for i in range(500)]
    assert first == [assign("exp-1", f"m{i}", 0.1, VARIANTS) for i in range(500)]


def test_arms_follow_the_configured_shares():
    counts = Counter(assign("exp-shares", f"m{i}", 0.2, [("a", 0.5), ("b", 0.3)]) for i in range(20000))
    assert counts[HOLDOUT] / 20000 == pytest.approx(0.2, abs=0.015)
    assert counts["a"] / 20000 == pytest.approx(0.5, abs=0.015)
    assert counts["b"] / 20000 == pytest.approx(0.3, abs=0.015)


def test_experiments_are_independent_of_each_other():
    same = sum(assign("exp-x", f"m{i}", 0.5, [("t", 0.5)]) == assign("exp-y", f"m{i}", 0.5, [("t", 0.5)])
               for i in range(4000))
    assert same / 4000 == pytest.approx(0.5, abs=0.04)


def test_bucket_is_a_fraction_from_sha256():
    import hashlib
    assert bucket("e", "m") == int(hashlib.sha256(b"e:m").hexdigest()[:8], 16) / 2**32
    assert all(0 <= bucket("e", f"m{i}") < 1 for i in range(1000))


def test_no_holdout_is_allowed():
    assert [a[0] for a in arms(0, [("a", 0.5), ("b", 0.5)])] == ["a", "b"]


@pytest.mark.parametrize("holdout, variants, message", [
    (0.1, [("a", 0.5)], "add up to 1"),
    (0.1, [], "at least one variant"),
    (0.1, [("a", 0.45), ("a", 0.45)], "unique"),
    (0.1, [(HOLDOUT, 0.9)], "unique"),
    (-0.1, [("a", 1.1)], "negative"),
])
def test_bad_shares_are_refused(holdout, variants, message):
    with pytest.raises(BadInput, match=message):
        arms(holdout, variants)
