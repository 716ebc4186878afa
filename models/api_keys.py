"""API keys: stored as SHA-256 of a high-entropy secret, with a role and an optional member scope."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, DateTime, func
from sqlmodel import Field, SQLModel


class Role(StrEnum):
    ORDER_SYSTEM = "order-system"
    OPERATOR = "operator"
    MEMBER_APP = "member-app"
    LIVE_PLATFORM = "live-platform"


class ApiKeyBase(SQLModel):
    name: str
    role: str
    member_id: str | None = None  # required for member-app keys: the one member it may read


class ApiKey(ApiKeyBase, table=True):
    __tablename__ = "api_key"
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    key_id: str = Field(unique=True, index=True)
    secret_sha256: str
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class ApiKeyCreated(ApiKeyBase):
    key_id: str
    token: str  # shown once
