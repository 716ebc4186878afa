"""Issue one coupon to one member, inside the caller's transaction: the only way coupons come to exist.

Limits hold under any concurrency without read-then-write: the template's stock and budget
move in one conditional UPDATE, the per-member count in one conditional upsert, and the coupon
row carries the idempotency key under a UNIQUE constraint. All three run in a SAVEPOINT, so a
refusal (or a lost race on the same key) leaves the caller's transaction as it was.
"""

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.coupons.validity import face_value_fen, new_code, validity_window
from models.coupons import IssueOutcome, IssueReason

_TAKE_STOCK = text("""
    UPDATE coupon_template SET issued_count = issued_count + 1, budget_used_fen = budget_used_fen + :face
    WHERE id = :t AND active
      AND (stock_total IS NULL OR issued_count < stock_total)
      AND (budget_fen IS NULL OR budget_used_fen + :face <= budget_fen)
    RETURNING id""")

_COUNT_MEMBER = text("""
    INSERT INTO coupon_member_count (template_id, member_id, issued) VALUES (:t, :m, 1)
    ON CONFLICT (template_id, member_id) DO UPDATE SET issued = coupon_member_count.issued + 1
    WHERE CAST(:limit AS integer) IS NULL OR coupon_member_count.issued < CAST(:limit AS integer)
    RETURNING issued""")

_INSERT = text("""
    INSERT INTO coupon (code, template_id, member_id, idempotency_key, source, room_id, status, face_value_fen,
                        issued_at, valid_from, valid_until)
    VALUES (:code, :t, :m, :key, :source, :room, 'available', :face, :now, :vf, :vu)
    ON CONFLICT (idempotency_key) DO NOTHING RETURNING code""")


def _already(conn: Connection, key: str) -> IssueOutcome | None:
    row = conn.execute(text("SELECT code, face_value_fen FROM coupon WHERE idempotency_key = :k"), {"k": key}).first()
    return None if row is None else IssueOutcome(issued=False, already=True, coupon_code=row[0], face_value_fen=row[1])


def issue_coupon(conn: Connection, *, template_id: str, member_id: str, idempotency_key: str, source: str,
                 now: datetime, room_id: str = "", session_ends_at: datetime | None = None) -> IssueOutcome:
    if (seen := _already(conn, idempotency_key)) is not None:
        return seen
    tpl = conn.execute(text("SELECT * FROM coupon_template WHERE id = :t"), {"t": template_id}).mappings().first()
    if tpl is None:
        return IssueOutcome(issued=False, reason=IssueReason.UNKNOWN_TEMPLATE)
    if not tpl["active"]:
        return IssueOutcome(issued=False, reason=IssueReason.TEMPLATE_INACTIVE)
    face = face_value_fen(kind=tpl["kind"], amount_off_fen=tpl["amount_off_fen"],
                          max_discount_fen=tpl["max_discount_fen"])
    valid_from, valid_until = validity_window(
        kind=tpl["validity_kind"], now=now, valid_from=tpl["valid_from"], valid_until=tpl["valid_until"],
        valid_hours=tpl["valid_hours"], grace_minutes=tpl["grace_minutes"], session_ends_at=session_ends_at)
    savepoint = conn.begin_nested()
    try:
        refusal = _take_limits(conn, template_id, member_id, face, tpl["per_member_limit"])
        if refusal is not None:
            savepoint.rollback()
            return IssueOutcome(issued=False, reason=refusal)
        code = conn.execute(_INSERT, {"code": new_code(), "t": template_id, "m": member_id, "key": idempotency_key,
                                      "source": source, "room": room_id or "", "face": face, "now": now,
                                      "vf": valid_from, "vu": valid_until}).scalar()
        if code is None:  # lost a race on the same key: the winner's coupon is the answer
            savepoint.rollback()
            return _already(conn, idempotency_key)
        savepoint.commit()
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    return IssueOutcome(issued=True, coupon_code=code, face_value_fen=face)


def _take_limits(conn: Connection, template_id: str, member_id: str, face: int, limit: int | None) -> str | None:
    if conn.execute(_COUNT_MEMBER, {"t": template_id, "m": member_id, "limit": limit}).first() is None:
        return IssueReason.MEMBER_LIMIT
    if conn.execute(_TAKE_STOCK, {"t": template_id, "face": face}).first() is not None:
        return None
    tpl = conn.execute(text("SELECT active, stock_total, issued_count, budget_fen, budget_used_fen "
                            "FROM coupon_template WHERE id = :t"), {"t": template_id}).mappings().one()
    if not tpl["active"]:
        return IssueReason.TEMPLATE_INACTIVE
    if tpl["stock_total"] is not None and tpl["issued_count"] >= tpl["stock_total"]:
        return IssueReason.OUT_OF_STOCK
    return IssueReason.BUDGET_EXHAUSTED
