"""Inputs and results of the coupon expiry and expiry-notice activities."""

from datetime import datetime

from pydantic import BaseModel


class CouponExpireInput(BaseModel):
    now: datetime
    batch_size: int = 500


class CouponExpireResult(BaseModel):
    coupons: int
    more: bool


class NoticeInput(BaseModel):
    now: datetime
    days: int | None = None  # None: the server's points_expiry_notice_days


class NoticeResult(BaseModel):
    notices: int
