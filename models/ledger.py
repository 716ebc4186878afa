"""The points ledger: journal entries, postings, O(1) member balances, points lots."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Column, DateTime, ForeignKey, Index, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class Bucket(StrEnum):
    """Where a member's points sit. System buckets (member_id NULL) are the other side."""

    PENDING = "pending"
    AVAILABLE = "available"
    SPENT = "spent"
    EXPIRED = "expired"
    REVERSED = "reversed"


MEMBER_BUCKETS = tuple(Bucket)
# The contra account for points created (earned) and destroyed outside member buckets.
SYSTEM_ISSUED = "system:issued"


def _ts(**kw: Any) -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now(), **kw))


class JournalEntry(SQLModel, table=True):
    __tablename__ = "journal_entry"
    # Reports read one period at a time (migration 0006).
    __table_args__ = (Index("ix_journal_entry_created_at", "created_at"),)
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    idempotency_key: str = Field(sa_column_kwargs={"unique": True}, nullable=False)
    kind: str
    member_id: str | None = Field(default=None, index=True)
    reference: str | None = None
    detail: dict = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default=text("'{}'")))
    created_at: datetime = _ts()


class Posting(SQLModel, table=True):
    __tablename__ = "posting"
    __table_args__ = (CheckConstraint("amount <> 0", name="posting_amount_nonzero"),
                      Index("ix_posting_member_bucket", "member_id", "bucket"))
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    entry_id: int = Field(sa_column=Column(BigInteger, ForeignKey("journal_entry.id"), nullable=False, index=True))
    member_id: str | None = None
    bucket: str
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))


class MemberBalance(SQLModel, table=True):
    """Maintained in the same transaction as the postings; `ledger verify` re-derives it."""

    __tablename__ = "member_balance"
    __table_args__ = {"postgresql_with": {"fillfactor": 70}}  # room for HOT updates (migration 0016)
    member_id: str = Field(primary_key=True)
    pending: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    available: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    spent: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    expired: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    reversed: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    updated_at: datetime = _ts()


class PointsLot(SQLModel, table=True):
    """Available points with an expiry date; spent oldest-expiry first."""

    __tablename__ = "points_lot"
    __table_args__ = (CheckConstraint("remaining >= 0 AND remaining <= amount", name="lot_remaining_in_range"),
                      Index("ix_lot_open", "member_id", "expires_at", postgresql_where=text("remaining > 0")),
                      Index("ix_lot_due", "expires_at", postgresql_where=text("remaining > 0")))
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    member_id: str
    entry_id: int = Field(sa_column=Column(BigInteger, ForeignKey("journal_entry.id"), nullable=False))
    source: str
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    remaining: int = Field(sa_column=Column(BigInteger, nullable=False))
    earned_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class BalancesPublic(SQLModel):
    member_id: str
    pending: int = 0
    available: int = 0
    spent: int = 0
    expired: int = 0
    reversed: int = 0
    next_expiry_at: datetime | None = None
    next_expiry_points: int = 0


class HistoryItemPublic(SQLModel):
    entry_id: int
    kind: str
    reference: str | None
    created_at: datetime
    changes: dict[str, int]


class HistoryPage(SQLModel):
    items: list[HistoryItemPublic]
    next_cursor: int | None


__all__ = ["Bucket", "MEMBER_BUCKETS", "SYSTEM_ISSUED", "JournalEntry", "Posting", "MemberBalance", "PointsLot",
           "BalancesPublic", "HistoryItemPublic", "HistoryPage"]
