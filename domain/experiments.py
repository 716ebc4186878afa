"""Deterministic experiment assignment: the same member gets the same arm of an experiment, every time.

bucket = first 8 hex digits of sha256("{experiment_id}:{member_id}") as a fraction of 2**32. Arms take
consecutive slices of [0, 1): the holdout first, then the variants in order. The same arithmetic runs in
SQL (`BUCKET_SQL`) so reports can assign millions of members in the database; a test proves they agree.
"""

import hashlib
from collections.abc import Sequence

from domain.errors import BadInput

HOLDOUT = "holdout"

# :experiment_id and the member column give the same fraction as bucket() (PostgreSQL 11+).
BUCKET_SQL = ("(('x' || encode(substring(sha256(convert_to({exp} || ':' || {member}, 'UTF8')) FROM 1 FOR 4), 'hex'))"
              "::bit(32)::bigint / 4294967296.0)")


def bucket(experiment_id: str, member_id: str) -> float:
    digest = hashlib.sha256(f"{experiment_id}:{member_id}".encode()).hexdigest()
    return int(digest[:8], 16) / 2**32


def arms(holdout_share: float, variants: Sequence[tuple[str, float]]) -> list[tuple[str, float, float]]:
    """(name, low, high) slices of [0, 1). Shares must be positive and add up to 1."""
    named = [(HOLDOUT, holdout_share)] if holdout_share > 0 else []
    named += list(variants)
    if not variants:
        raise BadInput("an experiment needs at least one variant")
    if any(share < 0 for _, share in named) or holdout_share < 0:
        raise BadInput("experiment shares must not be negative")
    names = [n for n, _ in named]
    if len(set(names)) != len(names):
        raise BadInput(f"variant names must be unique and not {HOLDOUT!r}: {names}")
    total = sum(share for _, share in named)
    if abs(total - 1.0) > 1e-6:
        raise BadInput(f"holdout and variant shares must add up to 1, they add up to {total:g}")
    out, low = [], 0.0
    for name, share in named:
        out.append((name, low, low + share))
        low += share
    return out


def assign(experiment_id: str, member_id: str, holdout_share: float,
           variants: Sequence[tuple[str, float]]) -> str:
    """The arm ("holdout" or a variant name) of this member in this experiment."""
    b = bucket(experiment_id, member_id)
    slices = arms(holdout_share, variants)
    for name, low, high in slices:
        if low <= b < high:
            return name
    return slices[-1][0]  # float rounding at the very top


def arm_index_sql(bucket_expr: str) -> str:
    """SQL for the 1-based index of a bucket's arm, given :arm_lows (the slices' lower bounds, float8[]):
    one evaluation of the bucket per member, unlike a CASE that repeats it in every branch."""
    return f"width_bucket({bucket_expr}, CAST(:arm_lows AS float8[]))"
