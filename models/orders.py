"""Paid orders and refunds: the JSON the order system sends, and the settlement table."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field as PydField
from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class OrderLine(BaseModel):
    sku: str
    category: str = ""
    unit_price: Decimal = PydField(description="yuan, e.g. 59.90")
    quantity: int


class PaidOrder(BaseModel):
    """Workflow input of SettleOrderWorkflow. Types only; business checks run in the first activity,
    so a bad order fails the workflow with a clear, recorded reason instead of looping."""

    order_id: str
    member_id: str
    room_id: str = ""
    lines: list[OrderLine] = []
    amount_paid: Decimal = PydField(description="yuan actually paid, after coupons, including shipping")
    shipping_fee: Decimal = Decimal("0")
    coupons_used: list[str] = []
    device_id: str = ""
    ip: str = ""
    paid_at: datetime
    # Pinned at start so replays see the same window; None means the server's setting.
    return_window_seconds: int | None = None


class RefundLine(BaseModel):
    sku: str
    quantity: int


class Refund(BaseModel):
    """A full refund (no amount, no lines), a refund of some lines, or of an amount."""

    refund_id: str
    amount: Decimal | None = None
    lines: list[RefundLine] = []
    reason: str = ""


class SettlementState(StrEnum):
    PENDING = "pending"  # points pending, inside the return window
    CONFIRMED = "confirmed"  # window passed, points available
    REVERSED = "reversed"  # fully refunded or cancelled
    HELD = "held"  # risk check holds the grant for review
    DENIED = "denied"  # risk check denied the grant
    REJECTED = "rejected"  # bad input


class Settlement(SQLModel, table=True):
    __tablename__ = "settlement"
    # Reports read one period of paid orders at a time (migration 0006).
    __table_args__ = (Index("ix_settlement_paid_at", "paid_at"),)
    order_id: str = Field(primary_key=True)
    member_id: str = Field(index=True)
    room_id: str = ""
    state: str
    goods_paid_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    refunded_fen: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    points_earned: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    points_reversed: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    risk_decision: str = "allow"
    risk_score: float = 0.0
    risk_reasons: list = Field(default_factory=list,
                               sa_column=Column(JSONB, nullable=False, server_default=text("'[]'")))
    refunded_units: dict = Field(default_factory=dict,
                                 sa_column=Column(JSONB, nullable=False, server_default=text("'{}'")))
    # The multipliers in force when the points were earned, so refunds reverse at the same rate.
    rules: dict = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default=text("'{}'")))
    order_json: dict = Field(sa_column=Column(JSONB, nullable=False))
    paid_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    confirm_due_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    confirmed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))


class OrderRefund(SQLModel, table=True):
    __tablename__ = "order_refund"
    __table_args__ = (UniqueConstraint("order_id", "refund_id", name="uq_order_refund"),)
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    order_id: str = Field(index=True)
    refund_id: str
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    units: dict = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default=text("'{}'")))
    points_reversed: int = Field(sa_column=Column(BigInteger, nullable=False))
    points_forgiven: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    after_confirmation: bool = False
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))


class SettlementStatus(BaseModel):
    """What the settlement query and `GET /v1/orders/{id}/settlement` return."""

    order_id: str
    state: str
    points_earned: int = 0
    points_reversed: int = 0
    refunded: Decimal = Decimal("0")
    confirm_due_at: datetime | None = None
    risk_decision: str | None = None
    message: str = ""


class OrderCoupon(SQLModel, table=True):
    """Coupons used on an order as settlement saw them: the seam to the coupon module.
    state: redeemed at settlement, restored or forfeited on refund."""

    __tablename__ = "order_coupon"
    order_id: str = Field(primary_key=True)
    code: str = Field(primary_key=True)
    state: str = "redeemed"  # redeemed, rejected (see reason), restored, forfeited
    member_id: str | None = None
    reason: str | None = None  # why a coupon was rejected at settlement or forfeited on refund
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))
