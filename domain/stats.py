"""Experiment statistics, pure: differences of conversion and of mean GMV with 95% confidence intervals.

Normal approximations (unpooled two-proportion z, Welch for means) are what an operator can read, and are
sound for the sample sizes a live room produces; below `min_per_arm` members per arm the verdict says the
sample is too small rather than guess.
"""

import math
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    @property
    def significant(self) -> bool:
        return self.low > 0 or self.high < 0


def diff_proportions(x1: int, n1: int, x0: int, n0: int) -> Interval:
    """p1 - p0 (treatment minus holdout), 95% Wald interval."""
    if n1 <= 0 or n0 <= 0:
        return Interval(0.0, 0.0, 0.0)
    p1, p0 = x1 / n1, x0 / n0
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    d = p1 - p0
    return Interval(d, d - Z95 * se, d + Z95 * se)


def diff_means(sum1: float, sumsq1: float, n1: int, sum0: float, sumsq0: float, n0: int) -> Interval:
    """mean1 - mean0 from sums and sums of squares (what SQL aggregates give), 95% Welch interval."""
    if n1 <= 1 or n0 <= 1:
        return Interval(0.0, 0.0, 0.0)
    m1, m0 = sum1 / n1, sum0 / n0
    v1 = max(0.0, (sumsq1 - n1 * m1 * m1) / (n1 - 1))
    v0 = max(0.0, (sumsq0 - n0 * m0 * m0) / (n0 - 1))
    se = math.sqrt(v1 / n1 + v0 / n0)
    d = m1 - m0
    return Interval(d, d - Z95 * se, d + Z95 * se)


def too_small(n1: int, n0: int, min_per_arm: int) -> bool:
    return min(n1, n0) < min_per_arm


def verdict(arm: str, conversion: Interval, n1: int, n0: int, min_per_arm: int) -> str:
    """One plain sentence, e.g. '10 yuan variant: +3.1% conversion, 95% CI [1.2%, 5.0%], significant'."""
    head = (f"{arm}: {conversion.estimate * 100:+.1f}% conversion, "
            f"95% CI [{conversion.low * 100:.1f}%, {conversion.high * 100:.1f}%]")
    if too_small(n1, n0, min_per_arm):
        return f"{head}, sample too small to tell (fewer than {min_per_arm} members in an arm)"
    if conversion.significant:
        return f"{head}, significant ({'better' if conversion.estimate > 0 else 'worse'} than holdout)"
    return f"{head}, not significant (no clear difference from holdout)"
