"""Checks on paid orders and refunds, and the points an order keeps after refunds. No I/O."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.earning import EarningRules, Line, order_points
from domain.errors import BadInput
from domain.money import allocate, to_fen
from models.orders import PaidOrder, Refund

MAX_LINES = 500
MAX_QUANTITY = 100_000
MAX_ID_LENGTH = 128


@dataclass(frozen=True)
class CheckedOrder:
    order_id: str
    member_id: str
    room_id: str
    lines: tuple[Line, ...]
    amount_paid_fen: int
    shipping_fen: int
    paid_at: datetime

    @property
    def goods_paid_fen(self) -> int:
        return self.amount_paid_fen - self.shipping_fen


def check_order(order: PaidOrder, *, now: datetime, max_amount_fen: int) -> CheckedOrder:
    for name in ("order_id", "member_id"):
        value = getattr(order, name)
        if not value or len(value) > MAX_ID_LENGTH or not value.isprintable():
            raise BadInput(f"{name} must be 1-{MAX_ID_LENGTH} printable characters")
    if not order.lines:
        raise BadInput(f"order {order.order_id} has no lines")
    if len(order.lines) > MAX_LINES:
        raise BadInput(f"order {order.order_id} has {len(order.lines)} lines, at most {MAX_LINES} allowed")
    lines = []
    for i, raw in enumerate(order.lines):
        if not raw.sku:
            raise BadInput(f"line {i}: sku is empty")
        if not 1 <= raw.quantity <= MAX_QUANTITY:
            raise BadInput(f"line {i} ({raw.sku}): quantity {raw.quantity} must be 1..{MAX_QUANTITY}")
        price = to_fen(raw.unit_price, f"line {i} unit_price")
        if price < 0:
            raise BadInput(f"line {i} ({raw.sku}): unit_price is negative")
        lines.append(Line(raw.sku, raw.category, price, raw.quantity))
    if len({line.sku for line in lines}) != len(lines):
        raise BadInput(f"order {order.order_id} lists a sku twice; merge the lines")
    paid = to_fen(order.amount_paid, "amount_paid")
    shipping = to_fen(order.shipping_fee, "shipping_fee")
    if paid < 0 or shipping < 0:
        raise BadInput("amount_paid and shipping_fee must not be negative")
    if paid > max_amount_fen:
        raise BadInput(f"amount_paid {order.amount_paid} is above the limit of {max_amount_fen / 100:.2f} yuan")
    if shipping > paid:
        raise BadInput(f"shipping_fee {order.shipping_fee} is more than amount_paid {order.amount_paid}")
    list_total = sum(line.total_fen for line in lines)
    if paid - shipping > list_total:
        raise BadInput(f"paid for goods {(paid - shipping) / 100:.2f} is more than the lines' total "
                       f"{list_total / 100:.2f}")
    paid_at = order.paid_at
    if paid_at.tzinfo is None:
        raise BadInput("paid_at must carry a time zone (e.g. 2026-11-20T10:00:00+08:00)")
    if paid_at > now + timedelta(minutes=5):
        raise BadInput(f"paid_at {paid_at.isoformat()} is in the future")
    return CheckedOrder(order.order_id, order.member_id, order.room_id, tuple(lines), paid, shipping, paid_at)


@dataclass
class RefundedSoFar:
    """What has been refunded of an order: amount (fen) and units by sku."""

    fen: int = 0
    units: dict[str, int] = field(default_factory=dict)


def remaining_lines(order: CheckedOrder, refunded: RefundedSoFar) -> list[Line]:
    return [Line(line.sku, line.category, line.unit_price_fen, line.quantity - refunded.units.get(line.sku, 0))
            for line in order.lines if line.quantity - refunded.units.get(line.sku, 0) > 0]


def plan_refund(order: CheckedOrder, refunded: RefundedSoFar, refund: Refund) -> RefundedSoFar:
    """The refund's own amount and units, checked against what is left. Raises BadInput."""
    refundable = order.amount_paid_fen - refunded.fen
    if refundable <= 0:
        raise BadInput(f"order {order.order_id} is already fully refunded")
    if refund.lines and refund.amount is not None:
        raise BadInput("give either refund lines or an amount, not both")
    if refund.lines:
        return _plan_line_refund(order, refunded, refund)
    if refund.amount is None:  # a full refund of what is left
        left = remaining_lines(order, refunded)
        return RefundedSoFar(refundable, {line.sku: line.quantity for line in left})
    amount = to_fen(refund.amount, "refund amount")
    if amount <= 0:
        raise BadInput("refund amount must be positive")
    if amount > refundable:
        raise BadInput(f"refund {amount / 100:.2f} is more than the {refundable / 100:.2f} yuan still refundable")
    return RefundedSoFar(amount, {})


def _plan_line_refund(order: CheckedOrder, refunded: RefundedSoFar, refund: Refund) -> RefundedSoFar:
    left = {line.sku: line for line in remaining_lines(order, refunded)}
    goods_left = max(0, order.goods_paid_fen - min(refunded.fen, order.goods_paid_fen))
    shares = dict(zip(left, allocate(goods_left, [line.total_fen for line in left.values()])))
    units: dict[str, int] = {}
    amount = 0
    for rl in refund.lines:
        line = left.get(rl.sku)
        if line is None:
            raise BadInput(f"sku {rl.sku} is not on order {order.order_id} or is already refunded")
        if not 1 <= rl.quantity <= line.quantity - units.get(rl.sku, 0):
            raise BadInput(f"sku {rl.sku}: refund quantity {rl.quantity} but {line.quantity} left")
        units[rl.sku] = units.get(rl.sku, 0) + rl.quantity
        amount += shares[rl.sku] * rl.quantity // line.quantity
    return RefundedSoFar(amount, units)


def points_kept(order: CheckedOrder, refunded: RefundedSoFar, rules: EarningRules) -> int:
    """Points the order still earns after refunds: recomputed on what is left, so proportional."""
    goods_left = order.goods_paid_fen - min(refunded.fen, order.goods_paid_fen)
    return order_points(remaining_lines(order, refunded), goods_left, rules, room_id=order.room_id,
                        paid_at=order.paid_at)


def combine(a: RefundedSoFar, b: RefundedSoFar) -> RefundedSoFar:
    units = dict(a.units)
    for sku, n in b.units.items():
        units[sku] = units.get(sku, 0) + n
    return RefundedSoFar(a.fen + b.fen, units)
