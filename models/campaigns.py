"""Campaign tables: the spec and status, per-room cursors and trigger-state snapshots, budgets, grants, lottery
draws."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, Index, LargeBinary, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class Campaign(SQLModel, table=True):
    __tablename__ = "campaign"
    campaign_id: str = Field(primary_key=True)
    name: str = ""
    spec: dict = Field(sa_column=Column(JSONB, nullable=False))
    status: str = "scheduled"  # scheduled, running, paused, stopped
    starts_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    ends_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    version: int = 1  # bumped by every update; the tick reads the spec fresh each time
    workflow_id: str = ""
    summary: dict | None = Field(default=None, sa_column=Column(JSONB))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))


class CampaignCursor(SQLModel, table=True):
    """Per campaign and room: the last room_event.id evaluated, moved with the grants in their transaction.
    Workers keep the trigger state in memory; CampaignSnapshot plus a replay of the events after it up
    to last_event_id rebuilds it exactly (activities/campaign_state.py)."""

    __tablename__ = "campaign_cursor"
    campaign_id: str = Field(primary_key=True)
    room_id: str = Field(primary_key=True)
    last_event_id: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    events: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))


class CampaignSnapshot(SQLModel, table=True):
    """A room's trigger state as it was after event `event_id`, a cursor position that had committed.
    Written in the background (activities/campaign_snapshots.py), never by an older state over a newer."""

    __tablename__ = "campaign_snapshot"
    campaign_id: str = Field(primary_key=True)
    room_id: str = Field(primary_key=True)
    event_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    state: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # zlib-compressed JSON (migration 0017)
    taken_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))


class CampaignBudget(SQLModel, table=True):
    """Remaining points, coupon value (fen) and stock per campaign (rule_id '') and per rule; NULL = unlimited."""

    __tablename__ = "campaign_budget"
    campaign_id: str = Field(primary_key=True)
    rule_id: str = Field(primary_key=True)
    points_remaining: int | None = Field(default=None, sa_column=Column(BigInteger))
    fen_remaining: int | None = Field(default=None, sa_column=Column(BigInteger))
    stock_remaining: int | None = Field(default=None, sa_column=Column(BigInteger))
    exhausted_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    exhausted_reason: str | None = None


class CampaignGrant(SQLModel, table=True):
    """Every candidate grant with its outcome: granted, held, denied, suppressed, rejected (held then refused)."""

    __tablename__ = "campaign_grant"
    __table_args__ = (UniqueConstraint("idempotency_key", name="uq_campaign_grant_key"),
                      Index("ix_campaign_grant_member_time", "member_id", "created_at"),
                      Index("ix_campaign_grant_campaign", "campaign_id", "rule_id", "status"))
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    idempotency_key: str
    campaign_id: str
    rule_id: str
    room_id: str
    member_id: str
    reward_kind: str  # points, coupon
    points: int = 0
    coupon_template_id: str = ""
    coupon_code: str = ""
    value_fen: int = 0
    status: str
    reason: str = ""
    risk_score: float = 0.0
    device_id: str = ""
    ip: str = ""
    source_event_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    detail: dict = Field(sa_column=Column(JSONB, nullable=False, server_default=text("'{}'")))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                  server_default=text("clock_timestamp()")))
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class LotteryDraw(SQLModel, table=True):
    """A draw with its seed and entrants, so anyone can recompute the winners."""

    __tablename__ = "lottery_draw"
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    draw_key: str = Field(unique=True)
    campaign_id: str = Field(index=True)
    rule_id: str
    room_id: str = Field(default="", sa_column_kwargs={"server_default": ""})
    source_event_id: int | None = Field(default=None, sa_column=Column(BigInteger))  # the event that drew it
    seed: str
    entrants: list = Field(sa_column=Column(JSONB, nullable=False))
    winners: list = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))
