"""Checkout validation in-process: a 20-line cart with 5 coupons of every kind, through the real
query (one round trip for the coupons) and the pure rules."""

import time
import uuid
from datetime import datetime
from decimal import Decimal

from activities.coupon_issue import issue_coupon
from activities.coupon_templates import upsert_template
from bench.http_storm import percentile
from core.db import transaction
from models.checkout import CheckoutLine, CheckoutRequest
from models.coupon_api import TemplateSpec
from domain.coupons.checkout import best_combination, judge
from queries.checkout import cart_lines, validate_checkout
from queries.coupons import coupon_rules

KINDS = [dict(kind="amount_off", amount_off=Decimal("5")),
         dict(kind="threshold_off", amount_off=Decimal("30"), threshold=Decimal("199")),
         dict(kind="percent_off", percent_off=10, max_discount=Decimal("50"), stackable=True),
         dict(kind="threshold_off", amount_off=Decimal("20"), threshold=Decimal("100"), scope="categories",
              categories=["beauty"], stackable=True),
         dict(kind="percent_off", percent_off=15, max_discount=Decimal("40"), scope="skus",
              skus=[f"sku-{i}" for i in range(5)], exclude_skus=["sku-1"])]


def validate_figures(now: datetime, rounds: int = 2000) -> dict:
    """p50/p99 in ms of the whole validation (with its one query) and of the rules alone."""
    member, codes = f"bench-{uuid.uuid4().hex[:8]}", []
    with transaction() as conn:
        for i, kind in enumerate(KINDS):
            tpl = upsert_template(conn, TemplateSpec(id=f"{member}-t{i}", name=f"t{i}", valid_hours=24,
                                                     **kind))[0].id
            codes.append(issue_coupon(conn, template_id=tpl, member_id=member, idempotency_key=f"{member}-{i}",
                                      source="bench", now=now).coupon_code)
    lines = [CheckoutLine(sku=f"sku-{i}", category=["beauty", "apparel", "food"][i % 3],
                          unit_price=Decimal(19 + i * 7) + Decimal("0.90"), quantity=1 + i % 3) for i in range(20)]
    req = CheckoutRequest(member_id=member, lines=lines, coupon_codes=codes)
    timings, rule_timings = [], []
    with transaction() as conn:
        rules = coupon_rules(conn, codes)
        for _ in range(rounds):
            started = time.perf_counter()
            result = validate_checkout(conn, req)
            timings.append((time.perf_counter() - started) * 1000)
    for _ in range(rounds):
        started = time.perf_counter()
        cart = cart_lines(req)
        verdicts = [judge(rules[c], c, cart, member, now) for c in codes]
        best_combination(verdicts, sum(line.unit_price_fen * line.quantity for line in cart))
        rule_timings.append((time.perf_counter() - started) * 1000)
    assert len(result.best_codes) >= 1 and result.total_discount > 0, result
    return {"validate_p99_ms": round(percentile(timings, 99), 3), "validate_p50_ms": round(percentile(timings, 50), 3),
            "validate_rules_p99_ms": round(percentile(rule_timings, 99), 3),
            "validate_rules_p50_ms": round(percentile(rule_timings, 50), 3)}
