"""What the risk check sees of a grant (plain types: it crosses workflows) and what it decides."""

from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import BigInteger, Column, DateTime, func
from sqlmodel import Field, SQLModel
from datetime import datetime


class Decision(StrEnum):
    ALLOW = "allow"
    HOLD = "hold"  # wait for a reviewer; nothing spendable is granted meanwhile
    DENY = "deny"


class GrantRequest(BaseModel):
    kind: str  # "order_points", "campaign_points", "coupon", "lottery_win"
    member_id: str
    device_id: str = ""
    ip: str = ""
    room_id: str = ""
    value: int = 0  # points, or fen of coupon face value
    reference: str = ""
    # Optional per-campaign thresholds on the score (campaign spec `risk:`); None = the scorer's defaults.
    hold_above: float | None = None
    deny_above: float | None = None


@dataclass(slots=True)
class RiskVerdict:
    """Returned in-process by the scorer, thousands per batch: a dataclass is built ~10x quicker than a
    pydantic model (5,000 verdicts: 16 -> 1.4 ms), and every field comes typed from the scorer."""

    decision: Decision
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    model_version: str = "rules-v1"
    top_features: list[str] = field(default_factory=list)  # operator words, most telling first
    decision_id: int | None = None  # the stored risk_decision row, for review


class RiskBlock(SQLModel, table=True):
    """Hard rules: a device, IP, network (CIDR) or member that is never granted anything."""

    __tablename__ = "risk_block"
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    kind: str  # "device", "ip", "network", "member"
    value: str = Field(index=True)
    reason: str
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))
