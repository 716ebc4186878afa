"""Checkout validation: read-only, so the order system may call it as often as the cart changes."""

from datetime import datetime, timezone

from sqlalchemy.engine import Connection

from domain.coupons.checkout import CartLine, Verdict, best_combination, judge
from domain.errors import BadInput
from domain.money import to_fen, to_yuan
from models.checkout import CheckoutRequest, CheckoutResult, CouponVerdict
from queries.coupons import coupon_rules

MAX_LINES, MAX_CODES = 200, 20


def cart_lines(req: CheckoutRequest) -> list[CartLine]:
    if not req.lines or len(req.lines) > MAX_LINES:
        raise BadInput(f"a cart needs 1 to {MAX_LINES} lines, got {len(req.lines)}")
    if len(req.coupon_codes) > MAX_CODES:
        raise BadInput(f"at most {MAX_CODES} coupon codes per checkout, got {len(req.coupon_codes)}")
    lines = []
    for i, line in enumerate(req.lines):
        price = to_fen(line.unit_price, f"lines[{i}].unit_price")
        if price < 0 or line.quantity < 1:
            raise BadInput(f"lines[{i}] ({line.sku}): price must be >= 0 and quantity >= 1")
        lines.append(CartLine(line.sku, line.category, price, line.quantity))
    return lines


def validate_checkout(conn: Connection, req: CheckoutRequest) -> CheckoutResult:
    lines = cart_lines(req)
    now = req.at or datetime.now(timezone.utc)
    rules = coupon_rules(conn, list(dict.fromkeys(req.coupon_codes)))
    verdicts, seen = [], set()
    for code in req.coupon_codes:
        verdicts.append(Verdict(code, 0, "duplicate") if code in seen
                        else judge(rules.get(code), code, lines, req.member_id, now))
        seen.add(code)
    goods = sum(line.unit_price_fen * line.quantity for line in lines)
    best, total = best_combination(verdicts, goods)
    chosen = set(best)
    out = [CouponVerdict(code=v.code, applies=v.reason is None, discount=to_yuan(v.discount_fen),
                         reason=v.reason or (None if v.code in chosen else "not_stackable"),
                         selected=v.code in chosen and v.reason is None) for v in verdicts]
    return CheckoutResult(goods_total=to_yuan(goods), best_codes=best, total_discount=to_yuan(total),
                          payable=to_yuan(goods - total), coupons=out)

