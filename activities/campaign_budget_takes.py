"""A batch's budget takes in two statements, whatever its size.

A take is one grant's: from its rule's row and the campaign's, both or neither. Taken one by one
(a savepoint, two conditional UPDATEs, the release) a budgeted campaign spent most of a tick on
them at a few thousand grants a second. Here the batch's budget rows are locked and read once, each
take is checked in order against what the takes before it left, and the sums go back in one UPDATE.
The rows stay locked until the caller's transaction commits. A refusal names the row and the kind
that fell short, in the order the dry run checks them (domain.campaigns.dry_limits.Budgets).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from activities.campaign_budget import KINDS, exhausted_reason, mark_exhausted
from core.pgarray import array_literal


@dataclass(frozen=True)
class Take:
    """What one grant takes from its rule's budget and the campaign's, both or neither."""
    rule_id: str
    points: int = 0
    fen: int = 0
    stock: int = 0


# Rules' rows first, the campaign's ('') last, always: two ticks of one campaign queue on the first row they
# share instead of each holding a row the other waits for.
LOCK = text("SELECT rule_id, points_remaining, fen_remaining, stock_remaining FROM campaign_budget "
            "WHERE campaign_id = :c AND rule_id = ANY(CAST(:r AS text[])) ORDER BY rule_id = '', rule_id FOR UPDATE")
SPEND = text("UPDATE campaign_budget AS b SET points_remaining = b.points_remaining - x.p, "
             "fen_remaining = b.fen_remaining - x.f, stock_remaining = b.stock_remaining - x.s "
             "FROM unnest(CAST(:r AS text[]), CAST(:p AS bigint[]), CAST(:f AS bigint[]), CAST(:s AS bigint[])) "
             "AS x(r, p, f, s) WHERE b.campaign_id = :c AND b.rule_id = x.r")


def take_many(conn: Connection, campaign_id: str, takes: list[Take], *, lock_too: Iterable[str] = ()) -> list[bool]:
    """Each of `takes` in order, against what the ones before it left: True where it took. A row that could
    not meet a take is stamped exhausted, naming the kind that fell short. `lock_too`: the batch's other
    rules (its coupons', taken one by one as each coupon is issued), whose rows are locked here in the same
    order as the rest."""
    rules = sorted({t.rule_id for t in takes} | set(lock_too) | {""})
    rows = conn.execute(LOCK, {"c": campaign_id, "r": array_literal(rules)}).all()
    left = {rule: list(remaining) for rule, *remaining in rows}
    spent = {rule: [0, 0, 0] for rule in left}
    shorts: dict[tuple[str, str], None] = {}  # (row, reason), in the order they ran dry
    took = []
    for t in takes:
        want = (t.points, t.fen, t.stock)
        pair = dict.fromkeys((t.rule_id, ""))
        short = next(((r, kind) for r in pair if (kind := _short_of(left.get(r), want))), None)
        if short is not None:
            shorts.setdefault((short[0], exhausted_reason(*short)))
            took.append(False)
            continue
        for r in pair:
            left[r] = [None if have is None else have - n for have, n in zip(left[r], want)]
            spent[r] = [s + n for s, n in zip(spent[r], want)]
        took.append(True)
    changed = [(rule, *sums) for rule, sums in spent.items() if any(sums)]
    if changed:
        columns = list(zip(*changed))
        conn.execute(SPEND, {"c": campaign_id, **{k: array_literal(v) for k, v in zip("rpfs", columns)}})
    for short, why in shorts:
        mark_exhausted(conn, campaign_id, short, why)
    return took


def take_each(conn: Connection, wanted: list[tuple[str, Take] | None], *,
              lock_too: dict[str, set[str]] | None = None) -> list[bool]:
    """take_many for a batch's grants, whatever their campaigns: `wanted` holds each grant's (campaign, take),
    or None where it takes nothing now (True in the answer). Campaign by campaign, in campaign order;
    `lock_too`: by campaign, the rules whose rows to lock with the rest (take_many)."""
    lock_too = lock_too or {}
    fits = [True] * len(wanted)
    at: dict[str, list[int]] = {}
    for i, want in enumerate(wanted):
        if want is not None:
            at.setdefault(want[0], []).append(i)
    for campaign_id in sorted(at.keys() | lock_too.keys()):
        indices = at.get(campaign_id, [])
        took = take_many(conn, campaign_id, [wanted[i][1] for i in indices], lock_too=lock_too.get(campaign_id, ()))
        for i, ok in zip(indices, took):
            fits[i] = ok
    return fits


def _short_of(remaining: list | None, want: tuple[int, int, int]) -> str | None:
    """The first kind the row has too little of for `want` (NULL is unlimited), or None where it fits.
    A missing row fits nothing (a rule the spec's sync has not reached); stamping it changes no row."""
    if remaining is None:
        return KINDS[0]
    return next((kind for kind, have, n in zip(KINDS, remaining, want) if have is not None and have < n), None)
