"""Inputs and results of CampaignWorkflow and its activities (plain pydantic: they cross workflows)."""

from datetime import datetime

from pydantic import BaseModel


class CampaignRun(BaseModel):
    campaign_id: str
    window_start: datetime | None = None  # recurring runs: this run's start (None = the spec's window)
    ticks: int = 0  # ticks done before this run of the workflow (continue-as-new carries it)
    paused: bool = False
    stop_requested: bool = False
    recurring: bool = False  # a scheduled recurring run: its window starts when the workflow starts
    tick_seconds: float = 1.0
    ticks_per_run: int = 300


class TickInput(BaseModel):
    campaign_id: str
    window_start: datetime | None = None
    workflow_id: str = ""


class TickResult(BaseModel):
    status: str  # running, paused, stopped, ended
    events: int = 0
    grants: dict[str, int] = {}  # status -> count
    more: bool = False  # a room had a full batch: tick again at once


class FinishInput(BaseModel):
    campaign_id: str
    reason: str = "stopped"
    final: bool = True  # False: one run of a recurring campaign ended; the campaign stays scheduled


class CampaignSummary(BaseModel):
    campaign_id: str
    status: str
    grants_by_rule: dict[str, dict[str, int]] = {}  # rule -> status -> count
    points_granted: int = 0
    coupon_value_fen: int = 0
    suppressed: int = 0
    held: int = 0
    denied: int = 0
    exhausted: dict[str, str] = {}  # rule ('' = campaign) -> reason
    events_evaluated: int = 0
