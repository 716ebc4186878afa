"""The settlement workflow redeems coupons when an order is paid and restores them on a full refund;
the expiry workflow expires coupons and tells members about expiring points."""

import asyncio
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from activities import ledger
from activities.coupon_issue import issue_coupon
from clients import orders as order_client
from core.db import transaction
from core.settings import get_settings
from models.orders import Refund
from tests.conftest import unique
from tests.coupons.helpers import make_template
from tests.workflows.orders import paid_order


def coupon_state(code: str) -> tuple:
    with transaction() as conn:
        return tuple(conn.execute(text("SELECT c.status, oc.state, oc.reason FROM coupon c LEFT JOIN order_coupon oc "
                                       "ON oc.code = c.code WHERE c.code = :c ORDER BY oc.updated_at DESC LIMIT 1"),
                                  {"c": code}).one())


async def until(predicate) -> None:
    for _ in range(100):
        if predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition never became true")


async def test_paid_order_redeems_and_full_refund_restores(client, worker):
    member = unique("m")
    with transaction() as conn:
        code = issue_coupon(conn, template_id=make_template(conn), member_id=member, idempotency_key=unique("k"),
                            source="test", now=datetime.now(timezone.utc)).coupon_code
        stranger = issue_coupon(conn, template_id=make_template(conn), member_id=unique("m"),
                                idempotency_key=unique("k"), source="test", now=datetime.now(timezone.utc)).coupon_code
    order = paid_order(member_id=member, window=30, coupons_used=[code, stranger])
    handle = await order_client.settle(client, order)
    await until(lambda: coupon_state(code)[0] == "used")
    assert coupon_state(code) == ("used", "redeemed", None)
    assert coupon_state(stranger) == ("available", "rejected", "not_this_member")  # settlement went on regardless
    await order_client.refund(client, order.order_id, Refund(refund_id="full"))
    result = await handle.result()
    assert result.state == "reversed"
    assert coupon_state(code) == ("available", "restored", None)


async def test_expiry_workflow_expires_coupons_and_sends_notices(client, worker):
    now, member = datetime.now(timezone.utc), unique("m")
    with transaction() as conn:
        tpl = make_template(conn, valid_hours=1)
        old = issue_coupon(conn, template_id=tpl, member_id=member, idempotency_key=unique("k"), source="test",
                           now=now - timedelta(hours=2)).coupon_code
        fresh = issue_coupon(conn, template_id=tpl, member_id=member, idempotency_key=unique("k"), source="test",
                             now=now).coupon_code
        ledger.credit_available(conn, key=unique("g"), member_id=member, points=120, reference="t", now=now,
                                lifetime=timedelta(days=3), source="test")
    for _ in range(2):  # a rerun changes nothing more
        result = await client.execute_workflow("ExpireCouponsWorkflow", id=unique("expire-coupons"),
                                               task_queue=get_settings().task_queue, result_type=dict)
        assert result["coupons_expired"] >= 0
    with transaction() as conn:
        status = dict(conn.execute(text("SELECT code, status FROM coupon WHERE code IN (:a, :b)"),
                                   {"a": old, "b": fresh}).all())
        notices = conn.execute(text("SELECT kind, payload->>'points' FROM member_notice WHERE member_id = :m"),
                               {"m": member}).all()
    assert status == {old: "expired", fresh: "available"}
    assert notices == [("points_expiring", "120")]


async def test_coupon_schedule_is_created_idempotently(client):
    from schedules.coupons import SCHEDULE_ID, ensure_coupon_schedules
    from schedules.upsert import delete_schedule_if_any

    try:
        assert await ensure_coupon_schedules(client) == [SCHEDULE_ID]
        assert await ensure_coupon_schedules(client) == [SCHEDULE_ID]  # second call updates in place
        described = await client.get_schedule_handle(SCHEDULE_ID).describe()
        assert described.schedule.action.workflow == "ExpireCouponsWorkflow"
    finally:  # its daily run must not fire in a later test
        await delete_schedule_if_any(client, SCHEDULE_ID)
