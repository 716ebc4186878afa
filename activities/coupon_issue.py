"""Issue one coupon to one member, inside the caller's transaction: the only way coupons come to exist.

Limits hold under any concurrency without read-then-write: the template's stock and budget
move in one conditional UPDATE, the per-member count in one conditional upsert, and the coupon
row carries the idempotency key under a UNIQUE constraint, all in one statement. When a later
step refuses (member limit, or a lost race on the same key) the earlier steps are given back in
the same transaction, so a refusal leaves the caller's transaction as it was.
"""

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.coupons.validity import face_value_fen, new_code, validity_window
from models.coupons import IssueOutcome, IssueReason

# One round trip: take stock and budget, then count the member, then insert the coupon, each step
# fed by the rows the one before returned, so a refusal at any step stops the later ones.
_ISSUE = text("""
    WITH stock AS (
        UPDATE coupon_template SET issued_count = issued_count + 1, budget_used_fen = budget_used_fen + :face
        WHERE id = :t AND active
          AND (stock_total IS NULL OR issued_count < stock_total)
          AND (budget_fen IS NULL OR budget_used_fen + :face <= budget_fen)
        RETURNING id),
    member AS (
        INSERT INTO coupon_member_count (template_id, member_id, issued) SELECT id, :m, 1 FROM stock
        ON CONFLICT (template_id, member_id) DO UPDATE SET issued = coupon_member_count.issued + 1
        WHERE CAST(:limit AS integer) IS NULL OR coupon_member_count.issued < CAST(:limit AS integer)
        RETURNING template_id),
    issued AS (
        INSERT INTO coupon (code, template_id, member_id, idempotency_key, source, room_id, status, face_value_fen,
                            issued_at, valid_from, valid_until)
        SELECT :code, template_id, :m, :key, :source, :room, 'available', :face, :now, :vf, :vu FROM member
        ON CONFLICT (idempotency_key) DO NOTHING RETURNING code)
    SELECT EXISTS (SELECT 1 FROM stock) AS took, EXISTS (SELECT 1 FROM member) AS counted,
           (SELECT code FROM issued) AS code""")

# Undo a step whose later step refused, in the same transaction (the template row is still locked by us).
_GIVE_BACK_STOCK = text("UPDATE coupon_template SET issued_count = issued_count - 1, "
                        "budget_used_fen = budget_used_fen - :face WHERE id = :t")
_GIVE_BACK_MEMBER = text("UPDATE coupon_member_count SET issued = issued - 1 WHERE template_id = :t AND member_id = :m")

_LOOKUP = text("""
    SELECT t.*, c.code AS seen_code, c.face_value_fen AS seen_face
    FROM (SELECT 1) one
    LEFT JOIN coupon_template t ON t.id = :t
    LEFT JOIN coupon c ON c.idempotency_key = :key""")


def _already(conn: Connection, key: str) -> IssueOutcome | None:
    row = conn.execute(text("SELECT code, face_value_fen FROM coupon WHERE idempotency_key = :k"), {"k": key}).first()
    return None if row is None else IssueOutcome(issued=False, already=True, coupon_code=row[0], face_value_fen=row[1])


def _plainly_refused(tpl, face: int) -> str | None:
    """Refusals visible in the template row as read. Safe without a lock: issuing only ever uses stock
    and budget up, so what is exhausted now stays exhausted (an operator raising it races like any issue)."""
    if not tpl["active"]:
        return IssueReason.TEMPLATE_INACTIVE
    if tpl["stock_total"] is not None and tpl["issued_count"] >= tpl["stock_total"]:
        return IssueReason.OUT_OF_STOCK
    if tpl["budget_fen"] is not None and tpl["budget_used_fen"] + face > tpl["budget_fen"]:
        return IssueReason.BUDGET_EXHAUSTED
    return None


def issue_coupon(conn: Connection, *, template_id: str, member_id: str, idempotency_key: str, source: str,
                 now: datetime, room_id: str = "", session_ends_at: datetime | None = None) -> IssueOutcome:
    tpl = conn.execute(_LOOKUP, {"t": template_id, "key": idempotency_key}).mappings().one()
    if tpl["seen_code"] is not None:
        return IssueOutcome(issued=False, already=True, coupon_code=tpl["seen_code"], face_value_fen=tpl["seen_face"])
    if tpl["id"] is None:
        return IssueOutcome(issued=False, reason=IssueReason.UNKNOWN_TEMPLATE)
    face = face_value_fen(kind=tpl["kind"], amount_off_fen=tpl["amount_off_fen"],
                          max_discount_fen=tpl["max_discount_fen"])
    if (refusal := _plainly_refused(tpl, face)) is not None:
        return IssueOutcome(issued=False, reason=refusal)
    valid_from, valid_until = validity_window(
        kind=tpl["validity_kind"], now=now, valid_from=tpl["valid_from"], valid_until=tpl["valid_until"],
        valid_hours=tpl["valid_hours"], grace_minutes=tpl["grace_minutes"], session_ends_at=session_ends_at)
    params = {"code": new_code(), "t": template_id, "m": member_id, "key": idempotency_key, "source": source,
              "room": room_id or "", "face": face, "now": now, "vf": valid_from, "vu": valid_until,
              "limit": tpl["per_member_limit"]}
    took, counted, code = conn.execute(_ISSUE, params).one()
    if code is not None:
        return IssueOutcome(issued=True, coupon_code=code, face_value_fen=face)
    if took:
        conn.execute(_GIVE_BACK_STOCK, params)
    if counted:
        conn.execute(_GIVE_BACK_MEMBER, params)
    # The same key may have won a race meanwhile (and used the member's last allowance): its coupon is the answer.
    if (seen := _already(conn, idempotency_key)) is not None:
        return seen
    if took:
        return IssueOutcome(issued=False, reason=IssueReason.MEMBER_LIMIT)
    now_tpl = conn.execute(text("SELECT active, stock_total, issued_count, budget_fen, budget_used_fen "
                                "FROM coupon_template WHERE id = :t"), params).mappings().one()
    return IssueOutcome(issued=False, reason=_plainly_refused(now_tpl, face) or IssueReason.BUDGET_EXHAUSTED)
