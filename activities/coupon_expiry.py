"""Expire coupons past their validity, in batches; tell members before their points expire.

Both are idempotent: an expired coupon is no longer 'available', and each notice has a
dedupe key (member + the date of the earliest expiring lot), so reruns change nothing.
"""

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection
from temporalio import activity

from core.db import transaction
from core.settings import get_settings
from models.coupon_expiry import CouponExpireInput, CouponExpireResult, NoticeInput, NoticeResult


def expire_due_coupons(conn: Connection, *, now: datetime, batch_size: int) -> CouponExpireResult:
    n = conn.execute(text("""
        UPDATE coupon SET status = 'expired' WHERE code IN (
            SELECT code FROM coupon WHERE status = 'available' AND valid_until <= :now
            ORDER BY valid_until LIMIT :n FOR UPDATE SKIP LOCKED)"""), {"now": now, "n": batch_size}).rowcount
    return CouponExpireResult(coupons=n, more=n == batch_size)


def notify_points_expiring(conn: Connection, *, now: datetime, days: int) -> int:
    return conn.execute(text("""
        INSERT INTO member_notice (dedupe_key, member_id, kind, message, payload)
        SELECT 'points_expiring:' || member_id || ':' || to_char(min(expires_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
               member_id, 'points_expiring',
               sum(remaining) || ' points expire by ' || to_char(max(expires_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
               jsonb_build_object('points', sum(remaining), 'first_expiry', min(expires_at),
                                  'last_expiry', max(expires_at))
        FROM points_lot WHERE remaining > 0 AND expires_at > :now AND expires_at <= :until
        GROUP BY member_id
        ON CONFLICT (dedupe_key) DO NOTHING"""), {"now": now, "until": now + timedelta(days=days)}).rowcount


@activity.defn(name="expire_coupons")
def expire_coupons(inp: CouponExpireInput) -> CouponExpireResult:
    with transaction() as conn:
        return expire_due_coupons(conn, now=inp.now, batch_size=inp.batch_size)


@activity.defn(name="notify_points_expiring")
def notify_points_expiring_activity(inp: NoticeInput) -> NoticeResult:
    days = inp.days if inp.days is not None else get_settings().points_expiry_notice_days
    with transaction() as conn:
        return NoticeResult(notices=notify_points_expiring(conn, now=inp.now, days=days))
