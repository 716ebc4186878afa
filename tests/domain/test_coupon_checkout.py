"""Every template kind and scope against carts; reasons; best combination; template checks; lottery."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain.coupons.checkout import CartLine, CouponRule, Verdict, best_combination, judge
from domain.coupons.lottery import Prize, draw
from domain.coupons.templates import template_fields
from domain.errors import BadInput
from models.coupon_api import TemplateSpec

NOW = datetime(2026, 11, 11, 20, tzinfo=timezone.utc)
CART = [CartLine("lipstick", "beauty", 12900, 1), CartLine("serum", "beauty", 8900, 2),
        CartLine("socks", "apparel", 1990, 3)]  # 129 + 178 + 59.70 = 366.70 yuan


def rule(code="c1", **kw) -> CouponRule:
    base = dict(code=code, member_id="m1", status="available", valid_from=NOW - timedelta(hours=1),
                valid_until=NOW + timedelta(hours=1), kind="amount_off", amount_off_fen=500)
    return CouponRule(**{**base, **kw})


def discount(r: CouponRule, lines=CART, member="m1", now=NOW) -> tuple[int, str | None]:
    v = judge(r, r.code, lines, member, now)
    return v.discount_fen, v.reason


def test_amount_off_no_threshold():
    assert discount(rule()) == (500, None)
    assert discount(rule(amount_off_fen=99999), lines=[CartLine("a", "x", 300, 1)]) == (300, None)  # never below 0


def test_threshold_off():
    r = rule(kind="threshold_off", amount_off_fen=3000, threshold_fen=19900)
    assert discount(r) == (3000, None)
    assert discount(r, lines=[CartLine("lipstick", "beauty", 12900, 1)]) == (0, "threshold_not_met")
    in_beauty = rule(kind="threshold_off", amount_off_fen=3000, threshold_fen=30000, scope_kind="categories",
                     scope_categories=frozenset({"beauty"}))
    assert discount(in_beauty) == (3000, None)  # 307 yuan of beauty
    assert discount(rule(kind="threshold_off", amount_off_fen=3000, threshold_fen=40000)) == (0, "threshold_not_met")


def test_percent_off_with_cap():
    assert discount(rule(kind="percent_off", percent_off=10, max_discount_fen=5000)) == (3667, None)
    assert discount(rule(kind="percent_off", percent_off=20, max_discount_fen=5000)) == (5000, None)


def test_scopes_and_exclusions():
    skus = rule(kind="percent_off", percent_off=50, max_discount_fen=100000, scope_kind="skus",
                scope_skus=frozenset({"socks"}))
    assert discount(skus) == (2985, None)
    excluded = rule(kind="percent_off", percent_off=10, max_discount_fen=100000, exclude_skus=frozenset({"lipstick"}))
    assert discount(excluded) == (2377, None)  # 10% of 237.70, rounded down to the fen
    no_cat = rule(kind="percent_off", percent_off=10, max_discount_fen=100000, exclude_categories=frozenset({"beauty"}))
    assert discount(no_cat) == (597, None)
    assert discount(rule(scope_kind="categories", scope_categories=frozenset({"food"}))) == (0, "scope_mismatch")


def test_reasons():
    assert discount(rule(), member="m2") == (0, "not_this_member")
    assert discount(rule(status="used")) == (0, "already_used")
    assert discount(rule(status="expired")) == (0, "expired")
    assert discount(rule(valid_until=NOW)) == (0, "expired")
    assert discount(rule(valid_from=NOW + timedelta(minutes=1))) == (0, "not_yet_valid")
    assert judge(None, "nope", CART, "m1", NOW).reason == "unknown_code"


def test_best_combination():
    solo = [Verdict("a", 3000, None), Verdict("b", 5000, None), Verdict("x", 0, "expired")]
    assert best_combination(solo, 36670) == (["b"], 5000)
    stack = [Verdict("a", 3000, None), Verdict("s1", 2000, None, True), Verdict("s2", 2000, None, True)]
    assert best_combination(stack, 36670) == (["s1", "s2"], 4000)
    assert best_combination(stack, 3000) == (["a"], 3000)  # a tie at the cap: the fewer coupons win
    assert best_combination([Verdict("s1", 900, None, True), Verdict("s2", 900, None, True)], 1000) == (
        ["s1", "s2"], 1000)
    assert best_combination([], 100) == ([], 0)


def spec(**kw) -> TemplateSpec:
    return TemplateSpec(**{**dict(id="t1", name="n", kind="amount_off", amount_off=Decimal("5"), valid_hours=24), **kw})


@pytest.mark.parametrize("bad, message", [
    (dict(kind="percent_off", percent_off=120, max_discount=Decimal("10")), "percent_off must be between 1 and 99"),
    (dict(kind="percent_off", percent_off=10), "needs a positive max_discount"),
    (dict(kind="threshold_off", amount_off=Decimal("30"), threshold=Decimal("20")), "must be above the discount"),
    (dict(scope="categories"), "needs at least one category"),
    (dict(scope="skus", skus=["a"], exclude_skus=["a"]), "scope is empty"),
    (dict(kind="gift"), "kind must be one of"),
    (dict(validity="absolute"), "needs valid_from and valid_until"),
    (dict(valid_hours=0), "valid_hours"),
    (dict(stock=0), "stock must be at least 1"),
    (dict(amount_off=Decimal("5.001")), "more than 2 decimal places"),
])
def test_bad_templates_are_refused_clearly(bad, message):
    with pytest.raises(BadInput, match=message):
        template_fields(spec(**bad))


def test_good_template_in_fen():
    fields = template_fields(spec(kind="threshold_off", amount_off=Decimal("30"), threshold=Decimal("199")))
    assert (fields["amount_off_fen"], fields["threshold_fen"]) == (3000, 19900)


def test_lottery_is_reproducible_from_its_seed():
    prizes = [Prize("big", 10_000), Prize("small", 300_000)]
    results = [draw(prizes, f"{i:016x}") for i in range(2000)]
    assert results == [draw(prizes, f"{i:016x}") for i in range(2000)]
    assert 450 < results.count("small") < 750 and results.count("big") < 60 and None in results
