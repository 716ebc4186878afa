"""Which coupons a cart can use, what each one gives, and the best combination. Pure, no I/O.

Each coupon is judged on its own against the cart as priced (discounts do not lower
another coupon's threshold). A non-stackable coupon is used alone; stackable coupons
combine with each other. The combined discount never exceeds the cart's goods total.
"""

from dataclasses import dataclass
from datetime import datetime

from models.coupons import CouponKind, CouponStatus, ScopeKind


@dataclass(frozen=True)
class CartLine:
    sku: str
    category: str
    unit_price_fen: int
    quantity: int


@dataclass(frozen=True)
class CouponRule:
    """An issued coupon joined with its template, as checkout needs it."""

    code: str
    member_id: str
    status: str
    valid_from: datetime
    valid_until: datetime
    kind: str
    amount_off_fen: int = 0
    threshold_fen: int = 0
    percent_off: int = 0
    max_discount_fen: int = 0
    scope_kind: str = ScopeKind.SHOP
    scope_categories: frozenset[str] = frozenset()
    scope_skus: frozenset[str] = frozenset()
    exclude_categories: frozenset[str] = frozenset()
    exclude_skus: frozenset[str] = frozenset()
    stackable: bool = False


@dataclass(frozen=True)
class Verdict:
    code: str
    discount_fen: int  # on its own; 0 when it does not apply
    reason: str | None  # None: applies
    stackable: bool = False


def in_scope(rule: CouponRule, line: CartLine) -> bool:
    if line.sku in rule.exclude_skus or line.category in rule.exclude_categories:
        return False
    if rule.scope_kind == ScopeKind.CATEGORIES:
        return line.category in rule.scope_categories
    if rule.scope_kind == ScopeKind.SKUS:
        return line.sku in rule.scope_skus
    return True


def judge(rule: CouponRule | None, code: str, lines: list[CartLine], member_id: str, now: datetime) -> Verdict:
    if rule is None:
        return Verdict(code, 0, "unknown_code")
    reason = _unusable(rule, member_id, now)
    if reason:
        return Verdict(code, 0, reason, rule.stackable)
    subtotal = sum(line.unit_price_fen * line.quantity for line in lines if in_scope(rule, line))
    if subtotal <= 0:
        return Verdict(code, 0, "scope_mismatch", rule.stackable)
    if rule.kind == CouponKind.THRESHOLD_OFF and subtotal < rule.threshold_fen:
        return Verdict(code, 0, "threshold_not_met", rule.stackable)
    if rule.kind == CouponKind.PERCENT_OFF:
        discount = min(subtotal * rule.percent_off // 100, rule.max_discount_fen)
    else:
        discount = min(rule.amount_off_fen, subtotal)
    return Verdict(code, discount, None, rule.stackable)


def _unusable(rule: CouponRule, member_id: str, now: datetime) -> str | None:
    if rule.member_id != member_id:
        return "not_this_member"
    if rule.status == CouponStatus.USED:
        return "already_used"
    if rule.status == CouponStatus.EXPIRED or now >= rule.valid_until:
        return "expired"
    if now < rule.valid_from:
        return "not_yet_valid"
    return None


def best_combination(verdicts: list[Verdict], goods_total_fen: int) -> tuple[list[str], int]:
    """(codes, total discount): the best single coupon, or every usable stackable coupon together."""
    usable = [v for v in verdicts if v.reason is None and v.discount_fen > 0]
    options: list[tuple[int, list[str]]] = [(min(v.discount_fen, goods_total_fen), [v.code]) for v in usable]
    stackable = sorted({v.code: v for v in usable if v.stackable}.values(), key=lambda v: v.code)
    if len(stackable) > 1:
        total = min(sum(v.discount_fen for v in stackable), goods_total_fen)
        options.append((total, [v.code for v in stackable]))
    if not options:
        return [], 0
    # Largest discount; on a tie the fewer coupons (keep the others for later), then by code.
    discount, codes = max(options, key=lambda o: (o[0], -len(o[1]), [-ord(c) for c in o[1][0]]))
    return codes, discount
