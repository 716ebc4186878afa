"""Nightly: expire coupons past validity batch after batch, then notify members whose points expire soon.
Points lots themselves expire in ExpirePointsWorkflow (the ledger's own schedule)."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.coupon_expiry import CouponExpireInput, CouponExpireResult, NoticeInput, NoticeResult
    from workflows.retry import DB_ACTIVITY


@workflow.defn(name="ExpireCouponsWorkflow")
class ExpireCouponsWorkflow:
    @workflow.run
    async def run(self, notice_days: int | None = None) -> dict:
        now, coupons = workflow.now(), 0
        while True:
            batch = await workflow.execute_activity("expire_coupons", CouponExpireInput(now=now),
                                                    result_type=CouponExpireResult, **DB_ACTIVITY)
            coupons += batch.coupons
            if not batch.more:
                break
        notices = await workflow.execute_activity("notify_points_expiring", NoticeInput(now=now, days=notice_days),
                                                  result_type=NoticeResult, **DB_ACTIVITY)
        return {"coupons_expired": coupons, "notices": notices.notices}
