"""Where settlement hands coupons to the coupon module.

Settlement calls `redeem_for_order` when an order is accepted and
`restore_for_refund` when it is refunded, inside its own transaction. This
foundation version records the codes in order_coupon; the coupon module
replaces the bodies with real redemption and restoration rules.
"""

from sqlalchemy import text
from sqlalchemy.engine import Connection


def redeem_for_order(conn: Connection, *, order_id: str, member_id: str, codes: list[str]) -> None:
    for code in codes:
        conn.execute(text("INSERT INTO order_coupon (order_id, code, state) VALUES (:o, :c, 'redeemed') "
                          "ON CONFLICT DO NOTHING"), {"o": order_id, "c": code})


def restore_for_refund(conn: Connection, *, order_id: str, fully_refunded: bool) -> None:
    """Policy: a coupon comes back only when the whole order is refunded; partial refunds keep it spent."""
    if fully_refunded:
        conn.execute(text("UPDATE order_coupon SET state = 'restored', updated_at = now() "
                          "WHERE order_id = :o AND state = 'redeemed'"), {"o": order_id})
