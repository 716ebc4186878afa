"""Issue one coupon to one member, inside the caller's transaction: the only way coupons come to exist.

The work is one call of the SQL function coupon_claim() (migrations/versions/0008_coupon_claim.sql),
so every caller - campaigns and exchanges through issue_coupon() here, the HTTP claim lane through
claim_async() on an asyncpg connection - gets the same rules in one round trip:
a replayed idempotency key returns its first coupon; a sold-out template is refused from committed
totals with no lock and no write; otherwise the member's allowance (conditional upsert), the
coupon row (UNIQUE idempotency key) and last the stock and budget, taken from one of the template's
shard rows under its row lock (SKIP LOCKED spreads concurrent claims over the shards). Limits hold
under any concurrency; a refusal gives back what it took before its transaction ends.
"""

from datetime import datetime

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import Connection

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
