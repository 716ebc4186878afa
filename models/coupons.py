"""Coupon templates, issued coupons, per-member issue counts, and the issue outcome type.

Templates have operator-chosen string ids ("tpl-5off"). All money is integer fen here;
the API edges (models/coupon_api.py) speak yuan.
"""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import BigInteger, Column, DateTime, Index, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class CouponKind(StrEnum):
    AMOUNT_OFF = "amount_off"  # no threshold: 5 yuan off
    THRESHOLD_OFF = "threshold_off"  # spend 199, get 30 off
    PERCENT_OFF = "percent_off"  # 20% off, at most max_discount


class ScopeKind(StrEnum):
    SHOP = "shop"
    CATEGORIES = "categories"
    SKUS = "skus"


class ValidityKind(StrEnum):
    ABSOLUTE = "absolute"  # valid_from .. valid_until
    RELATIVE = "relative"  # valid_hours after issue
    SESSION = "session"  # while the live session runs, plus grace_minutes


class CouponStatus(StrEnum):
    AVAILABLE = "available"
    USED = "used"
    EXPIRED = "expired"


def _ts(nullable: bool = False, now: bool = False):
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable,
                                                server_default=func.now() if now else None))


def _jsonb(default: str = "'[]'"):
    return Field(default_factory=list, sa_column=Column(JSONB, nullable=False, server_default=text(default)))


def _fen(default: int = 0):
    return Field(default=default, sa_column=Column(BigInteger, nullable=False, server_default=str(default)))


class CouponTemplate(SQLModel, table=True):
    __tablename__ = "coupon_template"
    id: str = Field(primary_key=True)
    name: str
    kind: str
    amount_off_fen: int = _fen()
    threshold_fen: int = _fen()
    percent_off: int = 0  # 1..99 (percent of the in-scope subtotal)
    max_discount_fen: int = _fen()
    scope_kind: str = ScopeKind.SHOP
    scope_categories: list = _jsonb()
    scope_skus: list = _jsonb()
    exclude_categories: list = _jsonb()
    exclude_skus: list = _jsonb()
    validity_kind: str = ValidityKind.RELATIVE
    valid_from: datetime | None = _ts(nullable=True)
    valid_until: datetime | None = _ts(nullable=True)
    valid_hours: int = 0
    grace_minutes: int = 0
    stock_total: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))  # None: unlimited
    per_member_limit: int | None = 1  # None: unlimited
    budget_fen: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))  # face value budget
    stackable: bool = False
    active: bool = True
    created_at: datetime = _ts(now=True)
    updated_at: datetime = _ts(now=True)


class CouponStockShard(SQLModel, table=True):
    """A template's stock and budget, split over a few counter rows so that concurrent claims lock
    different rows (one hot row serialises every claim behind the previous one's commit). The
    template's issued count and budget used are the sums over its shards; what is left is spread
    over them and gathered again when one runs dry (SQL functions in migration 0008)."""

    __tablename__ = "coupon_stock_shard"
    template_id: str = Field(primary_key=True)
    shard: int = Field(primary_key=True)
    issued: int = _fen()
    used_fen: int = _fen()
    stock_left: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))  # None: unlimited
    budget_left_fen: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))  # None: no budget


class Coupon(SQLModel, table=True):
    """One issued coupon. The code is the unguessable handle members and the order system use."""

    __tablename__ = "coupon"
    __table_args__ = (Index("ix_coupon_member_status", "member_id", "status"),
                      Index("ix_coupon_due", "valid_until", postgresql_where=text("status = 'available'")))
    code: str = Field(primary_key=True)
    template_id: str = Field(index=True)
    member_id: str
    idempotency_key: str = Field(unique=True)
    source: str
    room_id: str = ""
    status: str = CouponStatus.AVAILABLE
    face_value_fen: int = _fen()
    issued_at: datetime = _ts()
    valid_from: datetime = _ts()
    valid_until: datetime = _ts()
    used_at: datetime | None = _ts(nullable=True)
    used_order_id: str | None = None


class CouponMemberCount(SQLModel, table=True):
    """How many coupons of a template a member got: the per-member limit is a conditional upsert here."""

    __tablename__ = "coupon_member_count"
    template_id: str = Field(primary_key=True)
    member_id: str = Field(primary_key=True)
    issued: int = 0


class IssueOutcome(BaseModel):
    issued: bool
    already: bool = False  # this idempotency key was seen before; the first outcome is returned
    coupon_code: str | None = None
    face_value_fen: int = 0
    reason: str | None = None  # out_of_stock, member_limit, budget_exhausted, template_inactive, unknown_template


class IssueReason(StrEnum):
    OUT_OF_STOCK = "out_of_stock"
    MEMBER_LIMIT = "member_limit"
    BUDGET_EXHAUSTED = "budget_exhausted"
    TEMPLATE_INACTIVE = "template_inactive"
    UNKNOWN_TEMPLATE = "unknown_template"
