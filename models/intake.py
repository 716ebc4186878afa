"""Room event intake: the dead-letter table and the API's request/response types."""

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import BigInteger, Column, DateTime, Index, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class RoomEventDeadLetter(SQLModel, table=True):
    """An event refused at intake, kept as it arrived with the reason."""

    __tablename__ = "room_event_dead_letter"
    # A re-posted batch changes nothing: the same refusal of the same item is kept once (migration 0019).
    __table_args__ = (Index("uq_room_event_dead_letter_fingerprint", "room_id", "fingerprint", unique=True),)
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    room_id: str = Field(index=True)
    event_id: str | None = None
    reason: str
    payload: dict = Field(sa_column=Column(JSONB, nullable=False))
    fingerprint: str | None = None  # sha256 of event id, reason and item; rows from before 0019 have none
    received_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))


class EventRejection(BaseModel):
    index: int  # position in the posted batch
    event_id: str | None = None
    reason: str


class IntakeResult(BaseModel):
    received: int
    accepted: int  # newly stored
    duplicates: int  # already stored (same event_id): a re-posted batch changes nothing
    rejected: list[EventRejection] = []
