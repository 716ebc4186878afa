"""Operator-set multipliers for order points: by category or SKU, or "double points now" in a room."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Column, DateTime, Numeric, func
from sqlmodel import Field, SQLModel


class PointsMultiplierBase(SQLModel):
    scope: str  # "category", "sku" or "room" ("room" with "" as key means every room)
    key: str = ""
    multiplier: Decimal = Field(sa_column=Column(Numeric(6, 2), nullable=False))
    starts_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    ends_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    source: str = "operator"  # or "campaign:{id}"


class PointsMultiplier(PointsMultiplierBase, table=True):
    __tablename__ = "points_multiplier"
    __table_args__ = (CheckConstraint("scope IN ('category', 'sku', 'room')", name="multiplier_scope"),
                      CheckConstraint("multiplier > 0 AND multiplier <= 100", name="multiplier_range"))
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))
