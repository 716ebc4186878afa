"""Nightly coupon expiry and points-expiry notices at 02:30 in the operator's time zone
(after the ledger's 02:00 points expiry). Created or updated in place: safe to call on every `dev up`."""

from temporalio.client import (Client, Schedule, ScheduleActionStartWorkflow, ScheduleOverlapPolicy, SchedulePolicy,
                               ScheduleSpec)

from core.settings import get_settings
from schedules.upsert import upsert_schedule

SCHEDULE_ID = "nightly-coupon-expiry"


async def ensure_coupon_schedules(client: Client) -> list[str]:
    settings = get_settings()
    schedule = Schedule(
        action=ScheduleActionStartWorkflow("ExpireCouponsWorkflow", id="expire-coupons",
                                           task_queue=settings.task_queue),
        spec=ScheduleSpec(cron_expressions=["30 2 * * *"], time_zone_name=settings.timezone),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP))
    return [(await upsert_schedule(client, SCHEDULE_ID, schedule)).id]


# schedules.ensure_all looks for ensure_<area>_schedules with area "coupons".
ensure_coupons_schedules = ensure_coupon_schedules
