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
    busy_pause_ms: int = 200  # between ticks while events keep coming (the next tick waits this long first)
    parallel_rooms: bool = True  # one tick activity per room, concurrently
    ticks_per_run: int = 300  # per room lane
    rooms: list[str] = []  # a run continued as new in room lanes: the rooms, so its lanes start at once
    lane_seconds: float = 0.0  # a tick activity keeps ticking a busy room this long (0: one tick, as before)

    @property
    def pause_ms(self) -> int:
        """The busy pause, never longer than the tick interval."""
        return min(self.busy_pause_ms, int(self.tick_seconds * 1000))


class TickInput(BaseModel):
    campaign_id: str
    window_start: datetime | None = None
    workflow_id: str = ""
    room_id: str | None = None  # None: every room in one transaction
    wait_ms: int = 0  # wait this long before reading events (the busy pause: see workflows/campaign.py)
    run_for_ms: int = 0  # keep ticking while events keep coming, up to this long (0: one tick)
    busy_pause_ms: int = 200  # ...a tick starting this long after the previous one started
    idle_after_ms: int = 1000  # ...until no events came for this long (counted from the start when `busy`)
    busy: bool = False  # the lane had events within the last idle_after_ms before this activity


class TickResult(BaseModel):
    status: str  # running, paused, stopped, ended
    events: int = 0
    grants: dict[str, int] = {}  # status -> count
    more: bool = False  # a room had a full batch: tick again at once
    rooms: list[str] = []  # the campaign's rooms (the workflow ticks them in parallel)
    elapsed_ms: int = 0  # the tick's own time, after its wait (the busy pause counts from the tick's start)
    ticks: int = 1  # ticks this activity ran (run_for_ms)
    idle: bool = False  # it returned because no events came for idle_after_ms: wait on a timer

    @classmethod
    def merge(cls, parts: list["TickResult"]) -> "TickResult":
        statuses = {p.status for p in parts}
        status = next((s for s in ("stopped", "paused") if s in statuses), None) or \
            ("ended" if statuses == {"ended"} else "running")
        return cls(status=status, events=sum(p.events for p in parts), grants=_summed(p.grants for p in parts),
                   more=any(p.more for p in parts), rooms=parts[-1].rooms if parts else [],
                   elapsed_ms=max((p.elapsed_ms for p in parts), default=0), ticks=sum(p.ticks for p in parts))

    def then(self, later: "TickResult") -> "TickResult":
        """This activity's result so far followed by its next tick: totals summed, the rest as of the later."""
        return later.model_copy(update={"events": self.events + later.events, "ticks": self.ticks + later.ticks,
                                        "grants": _summed([self.grants, later.grants])})


def _summed(counts) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in counts:
        for k, v in part.items():
            out[k] = out.get(k, 0) + v
    return out


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
    coupons_issued: int = 0
    suppressed: int = 0
    held: int = 0
    denied: int = 0
    exhausted: dict[str, str] = {}  # rule ('' = campaign) -> reason
    events_evaluated: int = 0
    orders_multiplied: int = 0  # paid orders in the rooms whose points a multiplier rule raised
    order_bonus_points: int = 0  # what those rules added, less the share refunded (settlement pays it)
