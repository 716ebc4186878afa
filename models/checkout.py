"""Checkout validation: a cart and coupon codes in, each coupon's verdict and the best combination out."""

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class CheckoutLine(BaseModel):
    sku: str
    category: str = ""
    unit_price: Decimal = Field(description="yuan, e.g. 59.90")
    quantity: int = 1


class CheckoutRequest(BaseModel):
    member_id: str
    lines: list[CheckoutLine]
    coupon_codes: list[str] = []
    at: datetime | None = Field(None, description="judge validity at this time (default: now)")


class CouponVerdict(BaseModel):
    code: str
    applies: bool
    discount: Decimal = Field(description="yuan this coupon gives on its own")
    reason: str | None = Field(None, description=(
        "expired, not_yet_valid, scope_mismatch, threshold_not_met, already_used, not_this_member, not_stackable, "
        "unknown_code, duplicate"))
    selected: bool = False


class CheckoutResult(BaseModel):
    goods_total: Decimal
    best_codes: list[str]
    total_discount: Decimal
    payable: Decimal
    coupons: list[CouponVerdict]
