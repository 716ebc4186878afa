"""Messages for members ("your points expire soon"), shown by the member app."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class MemberNotice(SQLModel, table=True):
    __tablename__ = "member_notice"
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    dedupe_key: str = Field(unique=True)  # one notice per member and expiring batch, however often the job runs
    member_id: str = Field(index=True)
    kind: str
    message: str
    payload: dict = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default=text("'{}'")))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))
    read_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class NoticePublic(SQLModel):
    id: int
    kind: str
    message: str
    payload: dict
    created_at: datetime
