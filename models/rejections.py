"""Bad input, recorded with its reason so operators can see what was refused and why."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class RejectedInput(SQLModel, table=True):
    __tablename__ = "rejected_input"
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    source: str  # "settlement", "refund", "api", ...
    reference: str | None = Field(default=None, index=True)
    reason: str
    payload: dict = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))
