"""Redemption at settlement (once, ever, even when orders race) and restoration on refund."""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from activities.coupon_issue import issue_coupon
from activities.coupon_seam import redeem_for_order, restore_for_refund
from core.db import transaction
from tests.conftest import unique
from tests.coupons.helpers import make_template


def now() -> datetime:
    return datetime.now(timezone.utc)


def give(conn, member, **tpl) -> str:
    return issue_coupon(conn, template_id=make_template(conn, **tpl), member_id=member, idempotency_key=unique("k"),
                        source="test", now=now()).coupon_code


def states(conn, order_id) -> dict:
    return {r[0]: (r[1], r[2]) for r in conn.execute(
        text("SELECT code, state, reason FROM order_coupon WHERE order_id = :o"), {"o": order_id})}


def status(conn, code) -> tuple:
    return tuple(conn.execute(text("SELECT status, used_order_id FROM coupon WHERE code = :c"), {"c": code}).one())


def test_redeem_records_and_rejects_without_failing(conn):
    mine, theirs = give(conn, "m1"), give(conn, "m2")
    old = give(conn, "m1")
    conn.execute(text("UPDATE coupon SET valid_until = now() - interval '1 minute' WHERE code = :c"), {"c": old})
    redeem_for_order(conn, order_id="o1", member_id="m1", codes=[mine, theirs, old, "CNOPE"])
    assert states(conn, "o1") == {mine: ("redeemed", None), theirs: ("rejected", "not_this_member"),
                                  old: ("rejected", "expired"), "CNOPE": ("rejected", "unknown_code")}
    assert status(conn, mine) == ("used", "o1")
    redeem_for_order(conn, order_id="o2", member_id="m1", codes=[mine])
    assert states(conn, "o2") == {mine: ("rejected", "already_used")}
    redeem_for_order(conn, order_id="o1", member_id="m1", codes=[mine])  # a replay for the same order is fine
    assert states(conn, "o1")[mine] == ("redeemed", None)


def test_two_orders_racing_for_one_coupon(database_url):
    with transaction() as conn:
        code = give(conn, "racer")
    orders = [unique("race") for _ in range(8)]

    def pay(order_id):
        with transaction() as conn:
            redeem_for_order(conn, order_id=order_id, member_id="racer", codes=[code])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(pay, orders))
    with transaction() as conn:
        rows = conn.execute(text("SELECT state, reason FROM order_coupon WHERE code = :c"), {"c": code}).all()
        assert sorted(r[0] for r in rows) == ["redeemed"] + ["rejected"] * 7
        assert {r[1] for r in rows if r[0] == "rejected"} == {"already_used"}
        assert status(conn, code)[0] == "used"


def test_full_refund_restores_a_valid_coupon_and_forfeits_an_expired_one(conn):
    valid, lapsing = give(conn, "m1"), give(conn, "m1")
    redeem_for_order(conn, order_id="o9", member_id="m1", codes=[valid, lapsing])
    conn.execute(text("UPDATE coupon SET valid_until = now() - interval '1 second' WHERE code = :c"), {"c": lapsing})
    restore_for_refund(conn, order_id="o9", fully_refunded=True)
    assert states(conn, "o9") == {valid: ("restored", None), lapsing: ("forfeited", "expired")}
    assert status(conn, valid) == ("available", None) and status(conn, lapsing)[0] == "used"


def test_partial_refund_keeps_the_coupon_spent(conn):
    code = give(conn, "m1")
    redeem_for_order(conn, order_id="o10", member_id="m1", codes=[code])
    restore_for_refund(conn, order_id="o10", fully_refunded=False)
    assert states(conn, "o10") == {code: ("redeemed", None)} and status(conn, code) == ("used", "o10")


def test_validity_is_judged_at_payment_time_not_settlement_time(conn):
    code = give(conn, "late")
    paid_at = now() - timedelta(minutes=5)
    conn.execute(text("UPDATE coupon SET valid_from = now() - interval '10 minutes', status = 'expired', "
                      "valid_until = now() - interval '1 minute' WHERE code = :c"),
                 {"c": code})  # valid when the order was paid, expired (and swept) since
    redeem_for_order(conn, order_id="o-late", member_id="late", codes=[code], paid_at=paid_at)
    assert states(conn, "o-late") == {code: ("redeemed", None)}
    redeem_for_order(conn, order_id="o-later", member_id="late", codes=[give(conn, "late")],
                     paid_at=now() + timedelta(days=2))
    assert list(states(conn, "o-later").values()) == [("rejected", "expired")]
