"""Issue coupons inside the caller's transaction: the only way coupons come to exist.

The rules live in the SQL function coupon_claim() (migrations/versions/0008_coupon_claim.sql, in two
parts since 0028_coupon_claim_in_parts.sql): a replayed idempotency key returns its first coupon; a
sold-out template is refused from committed totals with no lock and no write; otherwise the member's
allowance (conditional upsert), the coupon row (UNIQUE idempotency key) - coupon_claim_row() - and
last the stock and budget, taken from the template's shard rows under their row locks (SKIP LOCKED
spreads concurrent claims over the shards) - coupon_stock_take(). Exchanges, the API's and CLI's
issue and held grants call coupon_claim() through issue_coupon() here, the HTTP claim lane through
claim_async() on an asyncpg connection: one round trip a coupon. A campaign tick's batch goes through
coupon_issue_many, the same answers in a few statements whatever the count. Limits hold under any concurrency;
a refusal gives back what it took before its transaction ends, and give_back() does the same for
coupons a caller refuses after their claim (a campaign budget run dry).
"""

from datetime import datetime

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import Connection

from core.pgarray import array_literal
from domain.coupons.validity import new_code
from models.coupons import IssueOutcome

_ARGS = ("template_id", "member_id", "idempotency_key", "source", "room_id", "now", "session_ends_at", "code")
_CALL = ("SELECT outcome, coupon_code, face_fen FROM coupon_claim(CAST({} AS text), CAST({} AS text), "
         "CAST({} AS text), CAST({} AS text), CAST({} AS text), CAST({} AS timestamptz), CAST({} AS timestamptz), "
         "CAST({} AS text))")
_CLAIM = text(_CALL.format(*(f":{a}" for a in _ARGS)))
CLAIM_SQL = _CALL.format(*(f"${i}" for i in range(1, len(_ARGS) + 1)))  # the same call for asyncpg


def outcome_of(row) -> IssueOutcome:
    outcome, code, face = row
    if outcome == "issued":
        return IssueOutcome(issued=True, coupon_code=code, face_value_fen=face)
    if outcome == "already":
        return IssueOutcome(issued=False, already=True, coupon_code=code, face_value_fen=face or 0)
    return IssueOutcome(issued=False, reason=outcome)


def _params(template_id: str, member_id: str, idempotency_key: str, source: str, now: datetime, room_id: str,
            session_ends_at: datetime | None) -> dict:
    return {"template_id": template_id, "member_id": member_id, "idempotency_key": idempotency_key,
            "source": source, "room_id": room_id or "", "now": now, "session_ends_at": session_ends_at,
            "code": new_code()}


def issue_coupon(conn: Connection, *, template_id: str, member_id: str, idempotency_key: str, source: str,
                 now: datetime, room_id: str = "", session_ends_at: datetime | None = None) -> IssueOutcome:
    params = _params(template_id, member_id, idempotency_key, source, now, room_id, session_ends_at)
    return outcome_of(conn.execute(_CLAIM, params).one())


async def claim_async(conn: asyncpg.Connection, *, template_id: str, member_id: str, idempotency_key: str,
                      source: str, now: datetime, room_id: str = "",
                      session_ends_at: datetime | None = None) -> IssueOutcome:
    """issue_coupon on an asyncpg connection outside a transaction block: the claim is its own transaction."""
    params = _params(template_id, member_id, idempotency_key, source, now, room_id, session_ends_at)
    return outcome_of(await conn.fetchrow(CLAIM_SQL, *(params[a] for a in _ARGS)))


_UNDO_ROWS = text("SELECT coupon_claim_undo(CAST(:codes AS text[]))")


def undo_rows(conn: Connection, codes: list[str]) -> None:
    """Coupons claimed in this transaction whose stock was never taken (coupon_claim_row's writes): the rows
    go, with the members' allowances (coupon_claim_undo, as coupon_claim undoes a refusal)."""
    if codes:
        conn.execute(_UNDO_ROWS, {"codes": array_literal(codes)})


# The stock and budget of coupons about to be undone, given back to a shard the transaction holds (it updated
# one for each of them: that version's xmin is its own), so the give-back never waits for another claim.
_RETURN_STOCK = text(
    "UPDATE coupon_stock_shard AS s SET stock_left = s.stock_left + g.n, budget_left_fen = s.budget_left_fen + g.fen, "
    "issued = s.issued - g.n, used_fen = s.used_fen - g.fen "
    "FROM (SELECT template_id, count(*) AS n, sum(face_value_fen) AS fen FROM coupon "
    "WHERE code = ANY(CAST(:codes AS text[])) GROUP BY 1) AS g "
    "WHERE s.template_id = g.template_id AND s.shard = (SELECT f.shard FROM coupon_stock_shard AS f "
    "WHERE f.template_id = g.template_id ORDER BY (f.xmin = pg_current_xact_id()::xid "
    "OR f.xmax = pg_current_xact_id()::xid) DESC, f.shard LIMIT 1 FOR UPDATE SKIP LOCKED)")


def give_back(conn: Connection, codes: list[str]) -> None:
    """Coupons this transaction issued, taken back before it commits: nothing committed ever shows them.
    Their stock goes back first (it is read from the rows), then the rows as undo_rows."""
    if codes:
        conn.execute(_RETURN_STOCK, {"codes": array_literal(codes)})
        undo_rows(conn, codes)
