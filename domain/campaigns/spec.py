"""The campaign spec: rooms, window, phases, rules (trigger + reward + limits), risk thresholds, budgets."""

from datetime import datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WatchMinutes(Strict):
    type: Literal["watch_minutes"]
    minutes: float = Field(gt=0)


class CommentKeyword(Strict):
    type: Literal["comment_keyword"]
    keywords: list[str] = Field(min_length=1)


class ViewerLikes(Strict):
    type: Literal["viewer_likes"]
    count: int = Field(gt=0)


class RoomLikes(Strict):
    type: Literal["room_likes"]
    thresholds: list[int] = Field(min_length=1)  # everyone present when the room's total reaches each


class Share(Strict):
    type: Literal["share"]


class FirstVisit(Strict):
    type: Literal["first_visit"]
    scope: Literal["room", "shop"] = "room"


class WatchWithoutOrder(Strict):
    type: Literal["watch_without_order"]
    minutes: float = Field(gt=0)


class OnlineMilestone(Strict):
    type: Literal["online_milestone"]
    count: int = Field(gt=0)
    mode: Literal["everyone", "lottery"] = "everyone"
    winners: int = Field(1, gt=0)


class HostCommand(Strict):
    type: Literal["host_command"]
    mode: Literal["present", "first_n", "comment_within"] = "present"
    n: int = Field(10, gt=0)  # first_n: how many
    seconds: float = Field(30, gt=0)  # first_n / comment_within: how long the word stays open
    word: str | None = None  # only this command word (default: whatever the host says)


class FlashSale(Strict):
    type: Literal["flash_sale"]
    interactions: list[Literal["comment", "like", "share", "order_paid", "follow", "gift"]] = \
        ["comment", "like", "share", "order_paid"]


class TopFan(Strict):
    type: Literal["top_fan"]
    top_n: int = Field(1, gt=0)
    # The moment that counts, in minutes from the window start: the first rank_update from then on
    # decides, once. None: whoever reaches the top n at any rank_update (per_viewer limits how often).
    at_minute: float | None = Field(None, ge=0)


class OrderPaid(Strict):
    type: Literal["order_paid"]


Trigger = Annotated[WatchMinutes | CommentKeyword | ViewerLikes | RoomLikes | Share | FirstVisit
                    | WatchWithoutOrder | OnlineMilestone | HostCommand | FlashSale | TopFan | OrderPaid,
                    Field(discriminator="type")]


class Reward(Strict):
    points: int | None = Field(None, gt=0, le=1_000_000)
    coupon_template: str | None = None
    multiplier: float | None = Field(None, gt=1, le=100)  # order points multiplier (order_paid rules)
    coupon_valid_minutes: float | None = Field(None, gt=0)  # time-limited coupon (flash sales)

    @model_validator(mode="after")
    def exactly_one(self) -> "Reward":
        given = [k for k in ("points", "coupon_template", "multiplier") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a reward is exactly one of points, coupon_template, multiplier")
        return self


class Limits(Strict):
    per_viewer: int = Field(1, gt=0)
    budget_points: int | None = Field(None, ge=0)
    budget_yuan: float | None = Field(None, ge=0)
    stock: int | None = Field(None, ge=0)


class Rule(Strict):
    id: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")
    trigger: Trigger
    reward: Reward
    limits: Limits = Limits()
    enabled: bool = True
    title: str = ""

    @model_validator(mode="after")
    def multiplier_only_on_orders(self) -> "Rule":
        if (self.reward.multiplier is not None) != (self.trigger.type == "order_paid" and self.reward.points is None):
            raise ValueError("a multiplier reward goes with an order_paid trigger (and order_paid rules "
                             "reward a multiplier or points)")
        lim = self.limits
        if self.reward.multiplier is not None and (lim.budget_points, lim.budget_yuan, lim.stock) != (None,) * 3:
            raise ValueError("a multiplier's bonus points are earned through order settlement, which no campaign "
                             "budget or stock limits: drop budget_points, budget_yuan and stock from this rule")
        return self


class Phase(Strict):
    name: str
    start_minute: float = Field(0, ge=0)  # offsets from the window start
    end_minute: float | None = Field(None, gt=0)
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def ends_after_it_starts(self) -> "Phase":
        if self.end_minute is not None and self.end_minute <= self.start_minute:
            raise ValueError(f"phase {self.name!r} ends (minute {self.end_minute:g}) before it starts "
                             f"(minute {self.start_minute:g})")
        return self


class Window(Strict):
    start: datetime
    end: datetime

    @model_validator(mode="after")
    def ordered(self) -> "Window":
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("window times need a time zone (e.g. 2026-01-01T20:00:00+08:00)")
        if self.end <= self.start:
            raise ValueError("window end must be after its start")
        return self


class Recurrence(Strict):
    cron: str  # e.g. "0 20 * * *": each run lasts the window's length
    overlap: Literal["skip", "buffer_one", "cancel_other", "terminate_other", "allow_all"] = "skip"
    # The cron's clock (an IANA name); none: the operators' LIVEPERKS_TIMEZONE, as the other schedules use.
    time_zone: str | None = None

    @model_validator(mode="after")
    def known_time_zone(self) -> "Recurrence":
        if self.time_zone is not None:
            try:
                ZoneInfo(self.time_zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {self.time_zone!r} (an IANA name, e.g. Asia/Shanghai)") from None
        return self


class RiskThresholds(Strict):
    hold_above: float = Field(0.5, ge=0, le=1)
    deny_above: float = Field(0.9, ge=0, le=1)


class Budget(Strict):
    points: int | None = Field(None, ge=0)
    coupon_yuan: float | None = Field(None, ge=0)


class CampaignSpec(Strict):
    id: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = ""
    rooms: list[str] = Field(min_length=1)
    window: Window
    recurrence: Recurrence | None = None
    risk: RiskThresholds | None = None
    budget: Budget = Budget()
    rules: list[Rule] = []  # in force for the whole window
    phases: list[Phase] = []

    @model_validator(mode="after")
    def has_unique_rules(self) -> "CampaignSpec":
        ids = [r.id for r in self.all_rules()]
        if not ids:
            raise ValueError("a campaign needs at least one rule (in rules or in a phase)")
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"rule ids must be unique; repeated: {', '.join(dupes)}")
        return self

    @model_validator(mode="after")
    def phases_start_inside_the_window(self) -> "CampaignSpec":
        minutes = (self.window.end - self.window.start) / timedelta(minutes=1)
        late = [p.name for p in self.phases if p.start_minute >= minutes]
        if late:
            raise ValueError(f"phase(s) {', '.join(late)} start after the {minutes:g}-minute window ends: "
                             "their rules would never run")
        moments = [r.id for r in self.all_rules() if r.trigger.type == "top_fan"
                   and r.trigger.at_minute is not None and r.trigger.at_minute >= minutes]
        if moments:
            raise ValueError(f"rule(s) {', '.join(moments)}: at_minute is after the {minutes:g}-minute window ends")
        return self

    def all_rules(self) -> list[Rule]:
        return list(self.rules) + [r for p in self.phases for r in p.rules]

    def is_over(self, now: datetime) -> bool:
        """A one-shot campaign whose window has ended (a recurring one's cron goes on)."""
        return self.recurrence is None and now >= self.window.end

    def newcomer_scopes(self) -> set[str]:
        """Where the enabled first_visit rules look for earlier visits: "room", "shop" or both."""
        return {r.trigger.scope for r in self.all_rules() if r.trigger.type == "first_visit" and r.enabled}

    def active_rules(self, at: datetime) -> list[Rule]:
        """Enabled rules in force at `at`: the campaign-wide ones plus the phase's."""
        if not (self.window.start <= at < self.window.end):
            return []
        minute = (at - self.window.start) / timedelta(minutes=1)
        rules = list(self.rules)
        for p in self.phases:
            if p.start_minute <= minute and (p.end_minute is None or minute < p.end_minute):
                rules += p.rules
        return [r for r in rules if r.enabled]
