"""Live rooms and their append-only event log (shared by campaigns, risk features and reports)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Index, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class EventType(StrEnum):
    ENTER = "enter"
    LEAVE = "leave"
    HEARTBEAT = "heartbeat"
    COMMENT = "comment"
    LIKE = "like"
    SHARE = "share"
    FOLLOW = "follow"
    GIFT = "gift"
    ORDER_PAID = "order_paid"
    ONLINE_COUNT = "online_count"  # room-wide: no member
    HOST_COMMAND = "host_command"  # room-wide: the host's coupon word
    FLASH_SALE_START = "flash_sale_start"
    FLASH_SALE_END = "flash_sale_end"
    RANK_UPDATE = "rank_update"  # room-wide: payload {"ranking": [member ids, best first]}


ROOM_WIDE = {EventType.ONLINE_COUNT, EventType.HOST_COMMAND, EventType.FLASH_SALE_START,
             EventType.FLASH_SALE_END, EventType.RANK_UPDATE}


class RoomBase(SQLModel):
    room_id: str = Field(primary_key=True)
    shop_id: str = ""
    host_id: str = ""
    title: str = ""


class Room(RoomBase, table=True):
    __tablename__ = "room"
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))


class RoomEvent(SQLModel, table=True):
    """One row per accepted event; `id` is the arrival order that campaign cursors follow."""

    __tablename__ = "room_event"
    __table_args__ = (Index("ix_room_event_room_id_id", "room_id", "id"),
                      # only the rows intake marks (domain/quarter_marks.py, migration 0023)
                      Index("ix_room_event_member_time", "member_id", "occurred_at",
                            postgresql_where=text("first_in_quarter")),
                      Index("ix_room_event_time", "occurred_at", postgresql_using="brin"))  # migration 0020
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    event_id: str = Field(unique=True)
    room_id: str
    type: str
    member_id: str | None = None
    device_id: str = ""
    ip: str = ""
    occurred_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    received_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))
    payload: dict = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default=text("'{}'")))
    first_in_quarter: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, server_default=text("true")))
