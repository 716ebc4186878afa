"""Where settlement hands coupons to the coupon module, inside settlement's own transaction.

Validity is judged at the order's payment time when settlement passes it (the coupon was applied
at checkout; a settlement delayed by an outage must not reject it), else at clock_timestamp().

Redemption: a coupon is used once, ever. One conditional UPDATE (status 'available', this
member, inside its validity window) claims it, so of two orders racing for one code exactly one
wins. A coupon that cannot be redeemed never breaks settlement of a paid order: it is recorded in
order_coupon with state 'rejected' and the reason, and settlement goes on.

Refunds: a full refund gives the coupon back if it is still valid ('restored'), otherwise it
stays spent ('forfeited', reason 'expired'). A partial refund keeps it spent (state stays
'redeemed'): the rest of the order still enjoyed the discount.
"""

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

_CLAIM = text("""
    UPDATE coupon SET status = 'used', used_at = now(), used_order_id = :o
    WHERE code = :c AND member_id = :m
      AND valid_from <= coalesce(CAST(:at AS timestamptz), clock_timestamp())
      AND valid_until > coalesce(CAST(:at AS timestamptz), clock_timestamp())
      AND (status = 'available' OR status = 'expired')
    RETURNING code""")

_RECORD = text("""
    INSERT INTO order_coupon (order_id, code, state, member_id, reason) VALUES (:o, :c, :s, :m, :r)
    ON CONFLICT (order_id, code) DO NOTHING""")


def redeem_for_order(conn: Connection, *, order_id: str, member_id: str, codes: list[str],
                     paid_at: datetime | None = None) -> None:
    for code in dict.fromkeys(codes):
        claimed = conn.execute(_CLAIM, {"c": code, "m": member_id, "o": order_id, "at": paid_at}).first() is not None
        reason = None if claimed else _why_not(conn, code, member_id, order_id, paid_at)
        state = "redeemed" if claimed or reason == "already_this_order" else "rejected"
        conn.execute(_RECORD, {"o": order_id, "c": code, "s": state, "m": member_id,
                               "r": None if state == "redeemed" else reason})


def _why_not(conn: Connection, code: str, member_id: str, order_id: str, at: datetime | None) -> str:
    row = conn.execute(text("SELECT member_id, status, used_order_id, "
                            "valid_until > coalesce(CAST(:at AS timestamptz), clock_timestamp()) AS running "
                            "FROM coupon WHERE code = :c"), {"c": code, "at": at}).mappings().first()
    if row is None:
        return "unknown_code"
    if row["member_id"] != member_id:
        return "not_this_member"
    if row["status"] == "used":
        return "already_this_order" if row["used_order_id"] == order_id else "already_used"
    if row["status"] == "expired" or not row["running"]:
        return "expired"
    return "not_yet_valid"


def restore_for_refund(conn: Connection, *, order_id: str, fully_refunded: bool) -> None:
    """Full refund: restore each redeemed coupon still inside its window, else forfeit it. Partial: keep spent."""
    if not fully_refunded:
        return
    restored = {r[0] for r in conn.execute(text("""
        UPDATE coupon c SET status = 'available', used_at = NULL, used_order_id = NULL
        FROM order_coupon oc
        WHERE oc.order_id = :o AND oc.state = 'redeemed' AND c.code = oc.code
          AND c.used_order_id = :o AND c.status = 'used' AND c.valid_until > clock_timestamp()
        RETURNING c.code"""), {"o": order_id})}
    conn.execute(text("""
        UPDATE order_coupon SET updated_at = now(),
            state = CASE WHEN code = ANY(:restored) THEN 'restored' ELSE 'forfeited' END,
            reason = CASE WHEN code = ANY(:restored) THEN NULL ELSE 'expired' END
        WHERE order_id = :o AND state = 'redeemed'"""), {"o": order_id, "restored": list(restored)})
