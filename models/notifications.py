"""Messages to members ("coupon arrived", "+50 points"): read by cursor (id) or streamed."""

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import BigInteger, Column, DateTime, Index, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class NotificationBase(SQLModel):
    member_id: str
    kind: str
    title: str
    body: str
    data: dict = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default=text("'{}'")))


class Notification(NotificationBase, table=True):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_member_id", "member_id", "id"),)
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    idempotency_key: str = Field(unique=True)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))


class NotificationPublic(BaseModel):
    id: int
    member_id: str
    kind: str
    title: str
    body: str
    data: dict
    created_at: datetime


class NotificationPage(BaseModel):
    items: list[NotificationPublic]
    next_cursor: int | None = None  # pass as ?after= to get newer ones
