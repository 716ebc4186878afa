"""The limits a dry run plays against, in memory: campaign and rule budgets, coupon templates,
the frequency cap. Each check answers None (go ahead) or a Refusal naming the reason."""

from collections import defaultdict, deque
from dataclasses import dataclass, field

from domain.campaigns.spec import CampaignSpec


@dataclass(frozen=True)
class Refusal:
    reason: str
    budget: str = ""  # the budget that ran out, if that was the reason: "campaign points", "rule kw stock"...


@dataclass
class CouponTemplateState:
    """A template as it stands now: what an issue would cost and what is left of it."""
    face_fen: int
    stock_left: int | None = None
    per_member_limit: int | None = 1
    budget_left_fen: int | None = None
    held: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # member -> coupons of this template
    name: str = ""  # the template's id, naming its stock and budget when they run out

    def refuses(self, member_id: str) -> Refusal | None:
        if self.stock_left is not None and self.stock_left < 1:
            return Refusal("coupon not issued: out_of_stock", f"template {self.name} stock")
        if self.per_member_limit is not None and self.held[member_id] >= self.per_member_limit:
            return Refusal("coupon not issued: member_limit")
        if self.budget_left_fen is not None and self.budget_left_fen < self.face_fen:
            return Refusal("coupon not issued: budget_exhausted", f"template {self.name} coupon value")
        return None

    def issue(self, member_id: str) -> None:
        self.held[member_id] += 1
        if self.stock_left is not None:
            self.stock_left -= 1
        if self.budget_left_fen is not None:
            self.budget_left_fen -= self.face_fen


@dataclass
class FrequencyCap:
    """At most `count` coupons per member per `window_s` seconds (the live cap, within this campaign)."""
    count: int
    window_s: float
    recent: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))

    def refuses(self, member_id: str, at: float) -> Refusal | None:
        pushes = self.recent[member_id]
        while pushes and pushes[0] <= at - self.window_s:
            pushes.popleft()
        if len(pushes) >= self.count:
            return Refusal(f"frequency cap: {self.count} coupons per {self.window_s:g} s")
        return None

    def count_push(self, member_id: str, at: float) -> None:
        self.recent[member_id].append(at)


@dataclass
class Budgets:
    """Remaining points, coupon value (fen) and stock per rule and for the campaign ('')."""
    points: dict[str, int | None]
    fen: dict[str, int | None]
    stock: dict[str, int | None]

    @classmethod
    def from_spec(cls, spec: CampaignSpec) -> "Budgets":
        rules = spec.all_rules()
        return cls(points={"": spec.budget.points} | {r.id: r.limits.budget_points for r in rules},
                   fen={"": _fen(spec.budget.coupon_yuan)} | {r.id: _fen(r.limits.budget_yuan) for r in rules},
                   stock={"": None} | {r.id: r.limits.stock for r in rules})

    def take(self, rule_id: str, *, points: int = 0, fen: int = 0) -> Refusal | None:
        """Take from the rule's and the campaign's budgets together, or from neither. A refusal names
        the budget and its kind, as the live tick's reasons do (points, coupon value, stock)."""
        wanted = (("points", self.points, points), ("coupon value", self.fen, fen), ("stock", self.stock, 1))
        for key in (rule_id, ""):
            for kind, left, want in wanted:
                if left[key] is not None and left[key] < want:
                    return Refusal(f"{kind} budget exhausted", f"{f'rule {key}' if key else 'campaign'} {kind}")
        for key in (rule_id, ""):
            for _, left, want in wanted:
                if left[key] is not None:
                    left[key] -= want
        return None


def _fen(yuan: float | None) -> int | None:
    return None if yuan is None else round(yuan * 100)
