"""Weekly effectiveness reports (files on disk, one row each) and the types that cross workflows."""

from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import BigInteger, Column, Date, DateTime, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class ReportBase(SQLModel):
    kind: str = "adhoc"  # "weekly" (scheduled) or "adhoc" (CLI / API)
    period_from: date = Field(sa_column=Column(Date, nullable=False))  # first local day, inclusive
    period_to: date = Field(sa_column=Column(Date, nullable=False))  # last local day, inclusive
    timezone: str
    path: str  # the self-contained HTML file


class Report(ReportBase, table=True):
    """Rebuilding the same period and kind replaces the file and the figures (the key is the period)."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("kind", "period_from", "period_to", "timezone", name="uq_report_period"),)
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    headline: dict = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default=text("'{}'")))
    built_seconds: float = 0.0
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))


class ReportPublic(ReportBase):
    id: int
    headline: dict
    created_at: datetime
    updated_at: datetime
    html_url: str = ""


class BuildReportInput(BaseModel):
    """Activity input: a period in the operator's time zone (dates inclusive)."""

    period_from: date
    period_to: date
    kind: str = "adhoc"
    timezone: str = ""  # empty: settings.timezone


class BuildReportResult(BaseModel):
    report_id: int
    path: str
    seconds: float
    headline: dict = {}


class WeeklyReportInput(BaseModel):
    """Empty week_of: the week (Mon-Sun, local) before the one the workflow runs in; a date picks its week."""

    timezone: str = "Asia/Shanghai"  # the schedule passes settings.timezone
    week_of: date | None = None
