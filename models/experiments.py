"""A campaign rule run as an experiment: named variants and a holdout that gets nothing."""

from datetime import datetime

from pydantic import BaseModel, Field as PydField
from sqlalchemy import Column, DateTime, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class Variant(BaseModel):
    name: str
    share: float = PydField(gt=0, le=1, description="fraction of members, e.g. 0.45")
    params: dict = {}  # what differs, e.g. {"coupon_fen": 1000}


class ExperimentBase(SQLModel):
    experiment_id: str = Field(primary_key=True)
    rule_id: str = Field(index=True)  # the campaign rule that runs as this experiment
    name: str = ""
    holdout_share: float = 0.1
    control: str = ""  # variant compared with the others besides the holdout ("" = first variant)
    starts_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    ends_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class Experiment(ExperimentBase, table=True):
    __tablename__ = "experiment"
    variants: list = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))


class ExperimentCreate(ExperimentBase):
    variants: list[Variant]
