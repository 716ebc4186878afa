"""Points for a paid order.

Rule, in order:
1. The base is what was actually paid for goods: amount paid (after coupon
   discounts) minus shipping, split over the lines in proportion to their list
   totals.
2. Each line earns base x points_per_yuan x its multiplier (the SKU's if set,
   else its category's, else 1).
3. The sum is multiplied by the campaign multiplier for the room at paid time
   (the highest one that applies; they do not stack).
4. Rounding: everything above is exact (fractions); the order total is rounded
   down to a whole point once, then capped at max_points_per_order. Rounding
   once per order, not per line, never short-changes a member by more than one
   point.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from math import floor

from domain.money import allocate


@dataclass(frozen=True)
class Line:
    sku: str
    category: str
    unit_price_fen: int
    quantity: int

    @property
    def total_fen(self) -> int:
        return self.unit_price_fen * self.quantity


@dataclass(frozen=True)
class CampaignMultiplier:
    room_id: str  # "" for every room
    starts_at: datetime
    ends_at: datetime
    multiplier: Decimal
    source: str = ""  # "campaign:<id>" for a campaign rule's row, so its bonus can be counted against it

    def applies(self, room_id: str, at: datetime) -> bool:
        return (not self.room_id or self.room_id == room_id) and self.starts_at <= at < self.ends_at


@dataclass(frozen=True)
class EarningRules:
    points_per_yuan: Decimal = Decimal("1")
    category_multipliers: dict[str, Decimal] = field(default_factory=dict)
    sku_multipliers: dict[str, Decimal] = field(default_factory=dict)
    campaign_multipliers: tuple[CampaignMultiplier, ...] = ()
    max_points_per_order: int = 100_000

    def line_multiplier(self, line: Line) -> Decimal:
        if line.sku in self.sku_multipliers:
            return self.sku_multipliers[line.sku]
        return self.category_multipliers.get(line.category, Decimal("1"))

    def campaign_multiplier(self, room_id: str, at: datetime) -> Decimal:
        in_force = self.campaign_multiplier_in_force(room_id, at)
        return in_force.multiplier if in_force else Decimal("1")

    def campaign_multiplier_in_force(self, room_id: str, at: datetime) -> CampaignMultiplier | None:
        """The highest multiplier that applies (they do not stack); on a tie, the first loaded."""
        return max((c for c in self.campaign_multipliers if c.applies(room_id, at)),
                   key=lambda c: c.multiplier, default=None)


def order_points(lines: list[Line], goods_paid_fen: int, rules: EarningRules, *, room_id: str,
                 paid_at: datetime) -> int:
    if goods_paid_fen <= 0 or not lines:
        return 0
    shares = allocate(goods_paid_fen, [line.total_fen for line in lines])
    rate = Fraction(rules.points_per_yuan) / 100  # points per fen
    exact = sum((Fraction(share) * rate * Fraction(rules.line_multiplier(line))
                 for share, line in zip(shares, lines)), Fraction(0))
    exact *= Fraction(rules.campaign_multiplier(room_id, paid_at))
    return min(floor(exact), rules.max_points_per_order)


def campaign_bonus(points: int, lines: list[Line], goods_paid_fen: int, rules: EarningRules, *, room_id: str,
                   paid_at: datetime) -> int:
    """Of the order's `points` (order_points under `rules`), those the campaign multiplier added: what it
    costs the campaign that set it (the cap and the rounding included)."""
    without = replace(rules, campaign_multipliers=())
    return points - order_points(lines, goods_paid_fen, without, room_id=room_id, paid_at=paid_at)
