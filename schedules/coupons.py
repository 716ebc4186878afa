"""Nightly coupon expiry and points-expiry notices at 02:30 in the operator's time zone
(after the ledger's 02:00 points expiry). Created or updated in place: safe to call on every `dev up`."""

from temporalio.client import Client

from schedules.upsert import cron_schedule, upsert_schedule

SCHEDULE_ID = "nightly-coupon-expiry"


async def ensure_coupon_schedules(client: Client) -> list[str]:
    schedule = cron_schedule("ExpireCouponsWorkflow", workflow_id="expire-coupons", cron="30 2 * * *")
    return [(await upsert_schedule(client, SCHEDULE_ID, schedule)).id]


# schedules.ensure_all looks for ensure_<area>_schedules with area "coupons".
ensure_coupons_schedules = ensure_coupon_schedules
