"""Running aggregates the scorer reads instead of raw events (see domain/risk/features.py for the
definitions they serve and activities/risk_aggregates.py for the fold that keeps them)."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, Integer, PrimaryKeyConstraint, Text, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel


# Pages 60 % full: the fold's updates stay on the page (HOT, no index write); migration 0010.
HOT_UPDATES = {"postgresql_with": {"fillfactor": 60}}


BUCKET_COUNTS = ("events", "churn", "heartbeats", "comments", "orders", "grants")


def _count() -> Column:
    return Column(Integer, nullable=False, server_default="0")


class RiskAggBucket(SQLModel, table=True):
    """Event counts of one entity (device, ip, network, member) in one 10-minute bucket, or in one
    hour once merged (activities/risk_compact.py)."""

    __tablename__ = "risk_agg_bucket"
    # The counts ride in the key's index: merged hours never change again, so once vacuumed a day of
    # an entity's buckets is read from the index alone (migration 0013).
    __table_args__ = (PrimaryKeyConstraint("kind", "entity", "bucket", postgresql_include=list(BUCKET_COUNTS)),
                      HOT_UPDATES)
    kind: str = Field(primary_key=True)
    entity: str = Field(primary_key=True)
    bucket: int = Field(sa_column=Column(BigInteger, primary_key=True))  # epoch ms of the bucket start
    events: int = Field(default=0, sa_column=_count())
    churn: int = Field(default=0, sa_column=_count())
    heartbeats: int = Field(default=0, sa_column=_count())
    comments: int = Field(default=0, sa_column=_count())
    orders: int = Field(default=0, sa_column=_count())
    grants: int = Field(default=0, sa_column=_count())


class RiskAggPair(SQLModel, table=True):
    """The last time an entity was seen with a sub-entity (device -> member, member -> ip, comment
    text -> member, ...): distinct counts over any window are a count of rows."""

    __tablename__ = "risk_agg_pair"
    __table_args__ = HOT_UPDATES
    kind: str = Field(primary_key=True)
    entity: str = Field(primary_key=True)
    sub_kind: str = Field(primary_key=True)
    sub: str = Field(primary_key=True)
    last_ms: int = Field(sa_column=Column(BigInteger, nullable=False))


class RiskAggPresence(SQLModel, table=True):
    """The last pair grain a (member, device, IP, room) was seen in: the fold writes that event's
    pairs only when this advances (migration 0011_presence)."""

    __tablename__ = "risk_agg_presence"
    __table_args__ = HOT_UPDATES
    member: str = Field(sa_column=Column(Text, primary_key=True))
    device: str = Field(sa_column=Column(Text, primary_key=True))
    ip: str = Field(sa_column=Column(Text, primary_key=True))
    room: str = Field(sa_column=Column(Text, primary_key=True))
    grain_ms: int = Field(sa_column=Column(BigInteger, nullable=False))


class RiskAggEntity(SQLModel, table=True):
    """Per entity: first seen, its last action times (action gap, regularity) and its latest comment."""

    __tablename__ = "risk_agg_entity"
    __table_args__ = HOT_UPDATES
    kind: str = Field(primary_key=True)
    entity: str = Field(primary_key=True)
    first_ms: int = Field(sa_column=Column(BigInteger, nullable=False))
    recent_acts: list[int] = Field(sa_column=Column(ARRAY(BigInteger), nullable=False, server_default="{}"))
    comment_ms: int | None = Field(default=None, sa_column=Column(BigInteger))
    comment_text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class RiskAggCursor(SQLModel, table=True):
    """How far each source (room_event, risk_decision) has been folded, by id."""

    __tablename__ = "risk_agg_cursor"
    source: str = Field(primary_key=True)
    last_id: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    folded_at: datetime | None = Field(default=None,
                                       sa_column=Column(DateTime(timezone=True), server_default=func.now()))
