import math
import random

import pytest
from scipy import stats as scipy_stats

from domain.stats import Z95, diff_means, diff_proportions, too_small, verdict


def test_z_is_the_95_percent_normal_quantile():
    assert Z95 == pytest.approx(scipy_stats.norm.ppf(0.975))


def test_difference_of_proportions():
    ci = diff_proportions(120, 1000, 100, 1000)
    se = math.sqrt(0.12 * 0.88 / 1000 + 0.1 * 0.9 / 1000)
    assert ci.estimate == pytest.approx(0.02)
    assert (ci.low, ci.high) == pytest.approx((0.02 - Z95 * se, 0.02 + Z95 * se))
    assert not ci.significant
    assert diff_proportions(300, 1000, 100, 1000).significant


def test_difference_of_means_from_sums_matches_welch_on_the_raw_values():
    rng = random.Random(3)
    a = [rng.expovariate(1 / 50) for _ in range(400)]
    b = [rng.expovariate(1 / 40) for _ in range(300)]
    ci = diff_means(sum(a), sum(x * x for x in a), len(a), sum(b), sum(x * x for x in b), len(b))
    va, vb = scipy_stats.tvar(a), scipy_stats.tvar(b)
    se = math.sqrt(va / len(a) + vb / len(b))
    d = sum(a) / len(a) - sum(b) / len(b)
    assert ci.estimate == pytest.approx(d)
    assert (ci.low, ci.high) == pytest.approx((d - Z95 * se, d + Z95 * se), rel=1e-6)


def test_empty_arms_give_no_interval():
    assert diff_proportions(0, 0, 5, 10).estimate == 0
    assert diff_means(0, 0, 1, 5, 5, 5).estimate == 0


def test_intervals_cover_the_truth_about_95_percent_of_the_time():
    rng = random.Random(11)
    covered = 0
    for _ in range(400):
        x1 = sum(rng.random() < 0.15 for _ in range(800))
        x0 = sum(rng.random() < 0.10 for _ in range(800))
        ci = diff_proportions(x1, 800, x0, 800)
        covered += ci.low <= 0.05 <= ci.high
    assert 0.91 <= covered / 400 <= 0.98


def test_plain_verdicts():
    big = diff_proportions(1310, 10000, 1000, 10000)
    text = verdict("10 yuan variant", big, 10000, 10000, min_per_arm=200)
    assert text.startswith("10 yuan variant: +3.1% conversion, 95% CI [")
    assert "significant (better than holdout)" in text
    small = verdict("5 yuan", diff_proportions(3, 20, 1, 20), 20, 20, min_per_arm=200)
    assert "sample too small to tell" in small
    flat = verdict("A", diff_proportions(100, 1000, 101, 1000), 1000, 1000, min_per_arm=200)
    assert "not significant" in flat
    assert too_small(199, 5000, 200) and not too_small(200, 200, 200)
