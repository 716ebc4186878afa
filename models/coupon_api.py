"""What the coupon API and CLI speak: yuan at the edges, fen inside."""

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class TemplateSpec(BaseModel):
    """A coupon template as an operator writes it (JSON file for the CLI, body for the API)."""

    id: str = Field(description="operator-chosen id, e.g. tpl-5off")
    name: str
    kind: str = Field(description="amount_off | threshold_off | percent_off")
    amount_off: Decimal = Field(Decimal("0"), description="yuan off (amount_off, threshold_off)")
    threshold: Decimal = Field(Decimal("0"), description="yuan the in-scope lines must reach (threshold_off)")
    percent_off: int = Field(0, description="percent off the in-scope subtotal (percent_off), 1..99")
    max_discount: Decimal = Field(Decimal("0"), description="cap in yuan (percent_off)")
    scope: str = Field("shop", description="shop | categories | skus")
    categories: list[str] = []
    skus: list[str] = []
    exclude_categories: list[str] = []
    exclude_skus: list[str] = []
    validity: str = Field("relative", description="absolute | relative | session")
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    valid_hours: int = Field(0, description="relative: hours after issue")
    grace_minutes: int = Field(0, description="session: minutes after the live session ends")
    stock: int | None = Field(None, description="coupons that may be issued in total; null = unlimited")
    per_member_limit: int | None = Field(1, description="null = unlimited")
    budget: Decimal | None = Field(None, description="total face value in yuan that may be issued")
    stackable: bool = False
    active: bool = True


class TemplatePublic(TemplateSpec):
    issued: int = 0
    budget_used: Decimal = Decimal("0")
    created_at: datetime | None = None


class IssueRequest(BaseModel):
    template_id: str
    member_id: str
    idempotency_key: str = Field(description="your id for this issue; a repeat returns the first coupon")
    source: str = "api"
    room_id: str = ""
    session_ends_at: datetime | None = None


class IssueResponse(BaseModel):
    issued: bool
    already: bool = False
    coupon_code: str | None = None
    face_value: Decimal = Decimal("0")
    reason: str | None = None


class CouponPublic(BaseModel):
    code: str
    template_id: str
    name: str
    kind: str
    status: str
    face_value: Decimal
    valid_from: datetime
    valid_until: datetime
    stackable: bool
    room_id: str = ""
    used_order_id: str | None = None
