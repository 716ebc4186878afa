"""What the exchange API and CLI speak: offers (operators) and exchanges (members)."""

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class PrizeSpec(BaseModel):
    prize_id: str
    name: str
    probability: Decimal = Field(description="0..1; the probabilities of one lottery sum to at most 1 "
                                             "(the rest is 'no prize')")
    stock: int | None = Field(None, description="null = unlimited")
    template_id: str | None = Field(None, description="a coupon prize: issued to the winner on the spot")


class OfferSpec(BaseModel):
    id: str = Field(description="operator-chosen id, e.g. offer-5off")
    kind: str = Field(description="coupon | lottery | gift | merchandise")
    name: str
    price_points: int
    template_id: str | None = Field(None, description="coupon offers: the template issued")
    stock: int | None = Field(None, description="merchandise (or any offer): units left; null = unlimited")
    prizes: list[PrizeSpec] = []
    active: bool = True


class ExchangeRequest(BaseModel):
    request_id: str = Field(description="the app's id for this purchase; a repeat returns the first result")
    offer_id: str
    room_id: str | None = Field(None, description="gifts: the room the gift is sent in")
    host_id: str | None = Field(None, description="gifts: the host (default: the room's host)")


class ExchangeResult(BaseModel):
    exchange_id: int
    already: bool = False
    offer_id: str
    kind: str
    points: int
    coupon_code: str | None = None
    prize_id: str | None = None
    prize_name: str | None = None
    seed: str | None = None
    room_id: str | None = None
    host_id: str | None = None
    created_at: datetime | None = None
