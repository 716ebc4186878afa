from datetime import datetime, timedelta, timezone
from decimal import Decimal

from domain.earning import CampaignMultiplier, EarningRules, Line, campaign_bonus, order_points
from domain.money import allocate

NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)


def points(lines, paid_fen, rules=EarningRules(), room="r1", at=NOW):
    return order_points(lines, paid_fen, rules, room_id=room, paid_at=at)


def test_one_point_per_yuan_paid_rounded_down_once_per_order():
    lines = [Line("a", "food", 999, 1), Line("b", "food", 999, 1)]
    # 19.98 yuan -> 19.98 points -> 19 (per-line rounding would give 9 + 9 = 18)
    assert points(lines, 1998) == 19


def test_coupon_discount_lowers_the_base_proportionally():
    lines = [Line("a", "food", 10000, 1), Line("b", "toys", 10000, 1)]
    rules = EarningRules(category_multipliers={"toys": Decimal("3")})
    # 200 list, paid 150 after coupon: 75 per line -> 75 + 225
    assert points(lines, 15000, rules) == 300


def test_sku_multiplier_overrides_category():
    lines = [Line("a", "toys", 10000, 1)]
    rules = EarningRules(category_multipliers={"toys": Decimal("3")}, sku_multipliers={"a": Decimal("0.5")})
    assert points(lines, 10000, rules) == 50


def test_campaign_multiplier_only_in_its_room_and_window():
    double = CampaignMultiplier("r1", NOW - timedelta(hours=1), NOW + timedelta(hours=1), Decimal("2"))
    rules = EarningRules(campaign_multipliers=(double,))
    lines = [Line("a", "x", 5000, 1)]
    assert points(lines, 5000, rules) == 100
    assert points(lines, 5000, rules, room="r2") == 50
    assert points(lines, 5000, rules, at=NOW + timedelta(hours=2)) == 50


def test_highest_campaign_multiplier_wins_without_stacking():
    window = (NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    rules = EarningRules(campaign_multipliers=(CampaignMultiplier("", *window, Decimal("2")),
                                               CampaignMultiplier("r1", *window, Decimal("3"))))
    assert points([Line("a", "x", 1000, 1)], 1000, rules) == 30


def test_campaign_bonus_is_what_the_multiplier_added_after_the_cap():
    double = CampaignMultiplier("r1", NOW - timedelta(hours=1), NOW + timedelta(hours=1), Decimal("2"), "campaign:c")
    rules = EarningRules(campaign_multipliers=(double,), max_points_per_order=500)
    lines = [Line("a", "x", 20000, 1)]
    bonus = lambda paid, room: campaign_bonus(points(lines, paid, rules, room), lines, paid, rules,  # noqa: E731
                                              room_id=room, paid_at=NOW)
    assert bonus(20000, "r1") == 200
    assert bonus(40000, "r1") == 100  # 800 capped at 500, 400 without
    assert bonus(20000, "r2") == 0
    assert rules.campaign_multiplier_in_force("r1", NOW).source == "campaign:c"


def test_cap_per_order():
    assert points([Line("a", "x", 10_000_00, 1)], 10_000_00, EarningRules(max_points_per_order=500)) == 500


def test_nothing_paid_earns_nothing():
    assert points([Line("a", "x", 1000, 1)], 0) == 0


def test_allocate_is_exact_and_proportional():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert sum(allocate(12345, [7, 0, 13, 99])) == 12345
    assert allocate(10, [0, 0]) == [0, 0]
