"""Risk tables (decisions, labels, model registry) and the plain types crossing RiskTrainingWorkflow."""

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import BigInteger, Column, DateTime, Float, Index, LargeBinary, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel



def _now_column() -> Column:
    return Column(DateTime(timezone=True), nullable=False, server_default=func.now())


class RiskDecision(SQLModel, table=True):
    """Every scored grant: what was decided, by which model, and why. status follows review."""

    __tablename__ = "risk_decision"
    # the review queue walks held decisions by id; allowed and denied ones (nearly all) stay out of it
    __table_args__ = (Index("ix_risk_decision_held", "id", postgresql_where=text("status = 'held'")),)
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    reference: str  # "order:{id}", "campaign:{id}", ...: no index, no query reads by it (migration 0022)
    kind: str
    member_id: str
    device_id: str = ""
    ip: str = ""
    room_id: str = ""
    value: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    decision: str  # allow / hold / deny
    status: str  # allowed / held / denied / approved / rejected
    score: float = Field(default=0.0, sa_column=Column(Float, nullable=False, server_default="0"))
    model_version: str
    hold_above: float = Field(sa_column=Column(Float, nullable=False))
    deny_above: float = Field(sa_column=Column(Float, nullable=False))
    reasons: list = Field(default_factory=list, sa_column=Column(JSONB, nullable=False, server_default=text("'[]'")))
    top_features: list = Field(default_factory=list,
                               sa_column=Column(JSONB, nullable=False, server_default=text("'[]'")))
    reviewed_by: str | None = None
    reviewed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    created_at: datetime = Field(sa_column=_now_column())


class RiskLabel(SQLModel, table=True):
    """Ground truth: review rejections, chargebacks, confirmed rings. label 'fraud' or 'genuine'."""

    __tablename__ = "risk_label"
    __table_args__ = (UniqueConstraint("source", "reference", "entity_kind", "entity", name="uq_risk_label_key"),)
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    entity_kind: str  # member / device / ip
    entity: str = Field(index=True)
    label: str
    source: str  # review / chargeback / ring
    reference: str = ""
    note: str = ""
    created_at: datetime = Field(sa_column=_now_column())


class RiskModelRow(SQLModel, table=True):
    """The model registry. At most one row is 'serving' (partial unique index in migration 0005)."""

    __tablename__ = "risk_model"
    __table_args__ = (Index("uq_risk_model_serving", "status", unique=True,
                            postgresql_where=text("status = 'serving'")),)
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    version: str = Field(unique=True)
    kind: str  # anomaly / classifier
    status: str  # candidate / serving / retired / rejected
    train_from: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    train_to: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    features: list = Field(default_factory=list, sa_column=Column(JSONB, nullable=False, server_default=text("'[]'")))
    metrics: dict = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default=text("'{}'")))
    artifact: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    artifact_sha256: str
    promoted_by: str | None = None
    promoted_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    note: str = ""
    created_at: datetime = Field(sa_column=_now_column())


class TrainInput(BaseModel):
    days: int = 7  # training window, ending now
    requested_by: str = "schedule"


class TrainResult(BaseModel):
    version: str | None = None
    kind: str = ""
    metrics: dict = {}
    serving_metrics: dict = {}  # the serving model on the same hold-out
    serving_version: str | None = None
    skipped: str = ""  # why nothing was trained


class PromoteInput(BaseModel):
    version: str
    promoted_by: str
    force: bool = False


class PromoteResult(BaseModel):
    promoted: bool
    version: str
    reason: str
    serving_version: str | None = None


class FoldInput(BaseModel):
    max_rows: int = 0  # per transaction and source; 0 = the setting


class FoldResult(BaseModel):
    rows: int  # ids advanced over all sources
    pruned: int = 0  # aggregate rows dropped as too old to be read (activities/risk_prune.py)
    merged: int = 0  # 10-minute buckets merged into hourly ones (activities/risk_compact.py)
