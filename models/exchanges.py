"""What members can buy with points (offers), lottery prizes, and the record of every exchange."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, DateTime, Index, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class OfferKind(StrEnum):
    COUPON = "coupon"  # a coupon of template_id at a price
    LOTTERY = "lottery"  # one draw among lottery_prize rows
    GIFT = "gift"  # a virtual gift to the host of a room
    MERCHANDISE = "merchandise"  # goods with stock


class ExchangeOffer(SQLModel, table=True):
    __tablename__ = "exchange_offer"
    id: str = Field(primary_key=True)
    kind: str
    name: str
    price_points: int = Field(sa_column=Column(BigInteger, nullable=False))
    template_id: str | None = None  # for coupon offers
    stock_left: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))  # None: unlimited
    active: bool = True
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))


class LotteryPrize(SQLModel, table=True):
    """A prize of a lottery offer: drawn with probability weight_ppm / 1,000,000 while stock lasts."""

    __tablename__ = "lottery_prize"
    offer_id: str = Field(primary_key=True)
    prize_id: str = Field(primary_key=True)
    name: str
    weight_ppm: int
    stock_left: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    template_id: str | None = None  # a coupon prize is issued on the spot


class Exchange(SQLModel, table=True):
    """One exchange: the points debit and what was bought, written in the same transaction."""

    __tablename__ = "exchange"
    __table_args__ = (Index("ix_exchange_room_host", "room_id", "host_id"),)
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    idempotency_key: str = Field(unique=True)
    member_id: str = Field(index=True)
    offer_id: str
    kind: str
    points: int = Field(sa_column=Column(BigInteger, nullable=False))
    entry_id: int = Field(sa_column=Column(BigInteger, nullable=False))  # the ledger journal entry
    coupon_code: str | None = None
    prize_id: str | None = None
    seed: str | None = None  # lottery: the seed the draw used, so it can be replayed and audited
    room_id: str | None = None
    host_id: str | None = None
    detail: dict = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default=text("'{}'")))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))
