"""coupon_claim_row()'s answers for a batch of claims whose keys differ, set-wise: a few statements for the
whole batch instead of one PL/pgSQL call (five queries) a coupon, which a milestone's 10,000 coupons
paid 0.54 s for. The rules are coupon_claim_row()'s (0028_coupon_claim_in_parts.sql), in the same order:

1. a replayed key answers with its first coupon;
2. an unknown or inactive template, or one the committed totals show gone, refuses;
3. the member's allowance, taken claim by claim in the batch's order (the allowance rows locked in
   (template, member) order, so racing batches queue instead of deadlocking);
4. the coupon row. A key a concurrent claim committed first answers "already" and gives its allowance
   back to the member's next claim in the batch, as the claims one by one would.

Each claim's row is (outcome, code, face): 'pending' for a coupon row written and waiting for its stock.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.engine import Connection

from core.pgarray import array_literal

FACE = "CASE WHEN t.kind = 'percent_off' THEN t.max_discount_fen ELSE t.amount_off_fen END"
_TEMPLATES = text(  # each template's refusal by its committed totals, which coupon_stock_state reads at its face
    f"SELECT t.id, t.active, t.per_member_limit, st.refusal FROM coupon_template t "
    f"CROSS JOIN LATERAL (SELECT {FACE} AS face) AS f CROSS JOIN LATERAL coupon_stock_state(t.id, f.face) AS st "
    "WHERE t.id = ANY(CAST(:t AS text[]))")
_REPLAYED = text("SELECT idempotency_key, code, face_value_fen FROM coupon "
                 "WHERE idempotency_key = ANY(CAST(:k AS text[]))")
# Separate statements: the locking read must see allowance rows that racing claims committed while the insert waited.
_MAKE_ALLOWANCES = text(
    "INSERT INTO coupon_member_count (template_id, member_id, issued) SELECT t, m, 0 FROM "
    "unnest(CAST(:t AS text[]), CAST(:m AS text[])) AS p(t, m) ORDER BY t, m ON CONFLICT DO NOTHING")
_LOCK_ALLOWANCES = text(
    "SELECT c.template_id, c.member_id, c.issued FROM coupon_member_count c JOIN "
    "unnest(CAST(:t AS text[]), CAST(:m AS text[])) AS p(t, m) ON c.template_id = p.t AND c.member_id = p.m "
    "ORDER BY c.template_id, c.member_id FOR UPDATE OF c")
# The coupon rows (the validity window as in coupon_claim_row), and the allowances of those written.
_WRITE = text(
    "WITH x AS (SELECT * FROM unnest(CAST(:t AS text[]), CAST(:m AS text[]), CAST(:k AS text[]), "
    "CAST(:src AS text[]), CAST(:room AS text[]), CAST(:ends AS timestamptz[]), CAST(:code AS text[])) "
    "WITH ORDINALITY AS x(t, m, k, src, room, ends, code, n)), "
    "written AS (INSERT INTO coupon (code, template_id, member_id, idempotency_key, source, room_id, status, "
    "face_value_fen, issued_at, valid_from, valid_until) "
    f"SELECT x.code, x.t, x.m, x.k, x.src, x.room, 'available', {FACE}, :now, "
    "CASE WHEN t.validity_kind = 'absolute' THEN t.valid_from ELSE CAST(:now AS timestamptz) END, "
    "CASE WHEN t.validity_kind = 'absolute' THEN t.valid_until "
    "WHEN t.validity_kind = 'relative' THEN :now + make_interval(hours => t.valid_hours) "
    "ELSE coalesce(x.ends, :now + interval '4 hours') + make_interval(mins => t.grace_minutes) END "
    "FROM x JOIN coupon_template t ON t.id = x.t ORDER BY x.n ON CONFLICT (idempotency_key) DO NOTHING "
    "RETURNING idempotency_key, template_id, member_id, face_value_fen), "
    "counted AS (UPDATE coupon_member_count c SET issued = c.issued + w.n FROM (SELECT template_id, member_id, "
    "count(*) AS n FROM written GROUP BY 1, 2) AS w WHERE c.template_id = w.template_id AND c.member_id = w.member_id) "
    "SELECT idempotency_key, face_value_fen FROM written")


class _Template(NamedTuple):
    active: bool
    per_member_limit: int | None
    refusal: str | None  # why the committed totals refuse any claim now (sold out, budget spent), or None


@dataclass(frozen=True)
class CouponClaim:
    """One coupon for issue_many: issue_coupon's arguments but the time, which a batch shares."""
    template_id: str
    member_id: str
    idempotency_key: str
    source: str
    room_id: str = ""
    session_ends_at: datetime | None = None


def claim_rows(conn: Connection, claims: list[CouponClaim], codes: list[str], *, now: datetime) -> list[tuple]:
    """(outcome, code, face) for each claim, in order, `codes` the codes of those written; 'pending' ones have
    their row and allowance written."""
    rows: list[tuple | None] = [None] * len(claims)
    replayed = {k: (code, face) for k, code, face in conn.execute(
        _REPLAYED, {"k": array_literal([c.idempotency_key for c in claims])})}
    templates = {t: _Template(*rest) for t, *rest in conn.execute(
        _TEMPLATES, {"t": array_literal(sorted({c.template_id for c in claims}))})}
    fresh = []
    for i, claim in enumerate(claims):
        template = templates.get(claim.template_id)
        if claim.idempotency_key in replayed:
            rows[i] = ("already", *replayed[claim.idempotency_key])
        elif template is None:
            rows[i] = ("unknown_template", None, 0)
        elif not template.active:
            rows[i] = ("template_inactive", None, 0)
        elif template.refusal is not None:
            rows[i] = (template.refusal, None, 0)
        else:
            fresh.append(i)
    if fresh:
        _claim_fresh(conn, claims, codes, fresh, templates, rows, now=now)
    return rows


def _claim_fresh(conn: Connection, claims: list[CouponClaim], codes: list[str], fresh: list[int],
                 templates: dict[str, _Template], rows: list, *, now: datetime) -> None:
    """Steps 3 and 4 for the claims that passed 1 and 2: allowances in order, then the rows; again for a
    member's later claims while keys lost to racing claims give allowances back."""
    pairs = sorted({(claims[i].template_id, claims[i].member_id) for i in fresh})
    columns = {"t": array_literal([t for t, _ in pairs]), "m": array_literal([m for _, m in pairs])}
    conn.execute(_MAKE_ALLOWANCES, columns)
    used = {(t, m): issued for t, m, issued in conn.execute(_LOCK_ALLOWANCES, columns)}
    waiting = defaultdict(list)  # (template, member) -> its claims not yet answered, in order
    for i in fresh:
        waiting[(claims[i].template_id, claims[i].member_id)].append(i)
    lost = []
    while True:
        allowed = []
        for pair, queue in waiting.items():
            limit = templates[pair[0]].per_member_limit
            room = len(queue) if limit is None else max(0, limit - used[pair])
            allowed += queue[:room]
            del queue[:room]
        if not allowed:
            break
        allowed.sort()
        written = dict(conn.execute(_WRITE, _write_params(claims, codes, allowed, now)).all())
        for i in allowed:
            claim = claims[i]
            if claim.idempotency_key in written:
                rows[i] = ("pending", codes[i], written[claim.idempotency_key])
                used[(claim.template_id, claim.member_id)] += 1
            else:
                lost.append(i)
    refused = [i for queue in waiting.values() for i in queue]
    _answer_late(conn, claims, lost, refused, rows)


def _write_params(claims: list[CouponClaim], codes: list[str], at: list[int], now: datetime) -> dict:
    picked = [claims[i] for i in at]
    return {"now": now, "t": array_literal([c.template_id for c in picked]),
            "m": array_literal([c.member_id for c in picked]), "k": array_literal([c.idempotency_key for c in picked]),
            "src": array_literal([c.source for c in picked]), "room": array_literal([c.room_id or "" for c in picked]),
            "ends": array_literal([c.session_ends_at for c in picked]), "code": array_literal([codes[i] for i in at])}


def _answer_late(conn: Connection, claims: list[CouponClaim], lost: list[int], refused: list[int], rows: list) -> None:
    """Keys lost to a racing claim answer with its coupon; a claim past its member's allowance is refused,
    unless its key was claimed meanwhile (coupon_claim_row looks again there too)."""
    if not lost and not refused:
        return
    found = {k: (code, face) for k, code, face in conn.execute(
        _REPLAYED, {"k": array_literal([claims[i].idempotency_key for i in lost + refused])})}
    for i in lost + refused:
        key = claims[i].idempotency_key
        rows[i] = ("already", *found[key]) if key in found else ("member_limit", None, 0)

