"""A campaign tick's coupons in a batch: issue_coupon's answers for each, in a few statements whatever
the count, with one stock take a template (the claim's parts, 0028_coupon_claim_in_parts.sql).

One coupon_claim() a coupon updated a template's shard row once a coupon in one transaction, and
each update walks the versions of the row the transaction left before it (none can be pruned
while it runs): a milestone's 10,000 coupons of one template took 2.3 s, four times 5,000's.
Here every coupon's row comes first, set-wise (activities/coupon_claim_rows.py), then each template's
stock is taken once, and the coupons it could not meet are undone before the caller's transaction ends.
"""

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from activities.coupon_claim_rows import CouponClaim, claim_rows  # CouponClaim: this module's callers' too
from activities.coupon_issue import outcome_of, undo_rows
from core.pgarray import array_literal
from domain.coupons.validity import new_code
from models.coupons import IssueOutcome


# Each template's stock, once for all of its coupons.
_STOCK_MANY = text(
    "SELECT s.taken, s.refusal FROM unnest(CAST(:t AS text[]), CAST(:f AS bigint[]), CAST(:n AS bigint[])) "
    "WITH ORDINALITY AS x(t, f, n, i) CROSS JOIN LATERAL coupon_stock_take(x.t, x.f, x.n) AS s ORDER BY x.i")
_SOLD_OUT = text("SELECT x.t, s.refusal FROM unnest(CAST(:t AS text[]), CAST(:f AS bigint[])) WITH ORDINALITY "
                 "AS x(t, f, i) CROSS JOIN LATERAL coupon_stock_state(x.t, x.f) AS s ORDER BY x.i")


def issue_many(conn: Connection, requests: list[CouponClaim], *, now: datetime) -> list[IssueOutcome]:
    """issue_coupon for each request, in order: the outcomes in the same order, as the claims one by one
    would have answered. Every coupon's row first, in a few statements, then the stock, one take a template
    (coupon_claim in its two parts); the coupons the stock could not meet are undone. A key that comes
    again in the batch starts a new round: its answer depends on whether its first coupon got its stock."""
    outcomes: list[IssueOutcome] = []
    start, keys = 0, set()
    for i, request in enumerate(requests + [None]):
        if request is None or request.idempotency_key in keys:
            outcomes += _issue_round(conn, requests[start:i], now=now)
            start, keys = i, set()
        if request is not None:
            keys.add(request.idempotency_key)
    return outcomes


def _issue_round(conn: Connection, requests: list[CouponClaim], *, now: datetime) -> list[IssueOutcome]:
    """issue_many for requests whose keys differ."""
    if not requests:
        return []
    rows = claim_rows(conn, requests, [new_code() for _ in requests], now=now)
    pending: dict[tuple[str, int], list[int]] = {}  # (template, face) -> its coupons waiting for stock, in order
    for i, (outcome, _, face) in enumerate(rows):
        if outcome == "pending":
            pending.setdefault((requests[i].template_id, face), []).append(i)
    groups = sorted(pending)
    takes = conn.execute(_STOCK_MANY, {"t": array_literal([t for t, _ in groups]),
                                       "f": array_literal([f for _, f in groups]),
                                       "n": array_literal([len(pending[g]) for g in groups])}).all() if groups else []
    undone = []
    for group, (taken, refusal) in zip(groups, takes):
        for i in pending[group][:taken]:
            rows[i] = ("issued", *rows[i][1:])
        for i in pending[group][taken:]:
            undone.append(rows[i][1])
            rows[i] = (refusal, None, 0)
    undo_rows(conn, undone)
    _refuse_after_sell_out(conn, rows, requests,
                           {g: (pending[g], taken, why) for g, (taken, why) in zip(groups, takes)})
    return [outcome_of(row) for row in rows]


def _refuse_after_sell_out(conn: Connection, rows: list[tuple], requests: list[CouponClaim],
                           takes: dict[tuple[str, int], tuple[list[int], int, str | None]]) -> None:
    """A claim one by one, once its template has nothing left, is refused for that before its member's
    allowance is looked at: a member_limit after the batch's last coupon of a sold-out template becomes
    the sell-out's reason. `takes`: by (template, face), its pending rows, how many got stock, and why not."""
    last = {}  # template -> (the last row that got stock, or before the first that did not; the refusal)
    for (template, _), (at, taken, why) in takes.items():
        if why is not None:
            last[template] = min(last.get(template, (len(rows), why)), (at[taken - 1] if taken else at[0] - 1, why))
    limited = {requests[i].template_id for i, row in enumerate(rows) if row[0] == "member_limit"}
    met = [(t, f) for (t, f), (_, _, why) in takes.items() if why is None and t in limited]
    if met:  # every unit asked for was there: was it the last?
        found = conn.execute(_SOLD_OUT, {"t": array_literal([t for t, _ in met]),
                                         "f": array_literal([f for _, f in met])}).all()
        for (template, face), (_, why) in zip(met, found):
            if why is not None:
                last[template] = min(last.get(template, (len(rows), why)), (takes[(template, face)][0][-1], why))
    for i, request in enumerate(requests):
        stop = last.get(request.template_id)
        if stop is not None and i > stop[0] and rows[i][0] == "member_limit":
            rows[i] = (stop[1], None, 0)
