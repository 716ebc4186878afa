"""The dry run's limits, on hand-built events: frequency cap, coupon template stock / per-member
limit / face-value budget, campaign coupon budget in yuan, rule budget in points."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from domain.campaigns.dry_run import CouponTemplateState, FrequencyCap, dry_run
from domain.campaigns.evaluator import Ev
from domain.campaigns.spec import CampaignSpec

T0 = datetime(2026, 1, 1, 12, tzinfo=timezone.utc)


def _spec(rules: list[dict], **budget) -> CampaignSpec:
    return CampaignSpec.model_validate({
        "id": "c", "rooms": ["r"], "window": {"start": T0.isoformat(), "end": (T0 + timedelta(hours=1)).isoformat()},
        "rules": rules, **({"budget": budget} if budget else {})})


def _shares(members: list[str], every_s: float = 1) -> list[Ev]:
    return [Ev(i + 1, f"e{i}", "share", m, f"d-{m}", "10.0.0.1", T0.timestamp() + i * every_s, {})
            for i, m in enumerate(members)]


def _comments(member: str, times_s: list[float]) -> list[Ev]:
    return [Ev(i + 1, f"c{i}", "comment", member, "d", "10.0.0.1", T0.timestamp() + t, {"text": "lucky"})
            for i, t in enumerate(times_s)]


COUPON_SHARE = [{"id": "s", "trigger": {"type": "share"}, "reward": {"coupon_template": "T5"}}]
NO_CAP = FrequencyCap(100, 600)


def test_template_stock_runs_out_and_the_rest_are_refused_with_the_reason():
    report = dry_run(_spec(COUPON_SHARE), _shares(["a", "b", "c", "d"]), gap_s=60, seen_before=set(),
                     templates={"T5": CouponTemplateState(face_fen=500, stock_left=3, name="T5")}, cap=NO_CAP)
    assert report.grants_by_rule == {"s": 3} and report.coupons == {"T5": 3} and report.coupon_fen == 1500
    assert report.refused == {"s": {"coupon not issued: out_of_stock": 1}}
    assert report.runs_out == {"template T5 stock": (T0 + timedelta(seconds=3)).isoformat()}


def test_campaign_coupon_budget_in_yuan_stops_the_rule_and_says_when():
    report = dry_run(_spec(COUPON_SHARE, coupon_yuan=10), _shares(["a", "b", "c"], every_s=60), gap_s=60,
                     seen_before=set(), templates={"T5": CouponTemplateState(face_fen=500)}, cap=NO_CAP)
    assert report.coupon_fen == 1000 and report.refused["s"] == {"coupon value budget exhausted": 1}
    assert report.runs_out == {"campaign coupon value": (T0 + timedelta(seconds=120)).isoformat()}


def test_unknown_template_and_template_budget():
    unknown = dry_run(_spec(COUPON_SHARE), _shares(["a"]), gap_s=60, seen_before=set(), templates={}, cap=NO_CAP)
    assert unknown.grants_by_rule == {} and unknown.refused["s"] == {"coupon not issued: unknown template": 1}
    poor = dry_run(_spec(COUPON_SHARE), _shares(["a", "b"]), gap_s=60, seen_before=set(),
                   templates={"T5": CouponTemplateState(face_fen=500, budget_left_fen=700)}, cap=NO_CAP)
    assert poor.coupons == {"T5": 1} and poor.refused["s"] == {"coupon not issued: budget_exhausted": 1}


def test_frequency_cap_counts_pushes_in_a_sliding_window_and_the_template_limit_per_member():
    rules = [{"id": "kw", "trigger": {"type": "comment_keyword", "keywords": ["lucky"]},
              "reward": {"coupon_template": "T5"}, "limits": {"per_viewer": 10}}]
    template = CouponTemplateState(face_fen=500, per_member_limit=None)
    report = dry_run(_spec(rules), _comments("a", [0, 10, 20, 610]), gap_s=60, seen_before=set(),
                     templates={"T5": template}, cap=FrequencyCap(2, 600))
    # pushes at 0 and 10; 20 is capped; at 610 both have left the window (live counts pushes after now - 600 s)
    assert report.grants_by_rule == {"kw": 3} and report.refused["kw"] == {"frequency cap: 2 coupons per 600 s": 1}
    once = dry_run(_spec(rules), _comments("a", [0, 700]), gap_s=60, seen_before=set(),
                   templates={"T5": CouponTemplateState(face_fen=500, per_member_limit=1)}, cap=NO_CAP)
    assert once.grants_by_rule == {"kw": 1} and once.refused["kw"] == {"coupon not issued: member_limit": 1}


def test_points_budget_takes_rule_and_campaign_together():
    rules = [{"id": "s", "trigger": {"type": "share"}, "reward": {"points": 30}, "limits": {"budget_points": 100}}]
    report = dry_run(_spec(rules, points=70), _shares(["a", "b", "c"]), gap_s=60, seen_before=set(), templates={},
                     cap=NO_CAP)
    assert report.points == 60 and report.refused["s"] == {"points budget exhausted": 1}
    assert list(report.runs_out) == ["campaign points"]


def test_order_multiplier_bonus_is_estimated_under_the_highest_multiplier_in_force():
    spec = CampaignSpec.model_validate({
        "id": "c", "rooms": ["r"], "window": {"start": T0.isoformat(), "end": (T0 + timedelta(hours=1)).isoformat()},
        "rules": [{"id": "x2", "trigger": {"type": "order_paid"}, "reward": {"multiplier": 2}}],
        "phases": [{"name": "peak", "start_minute": 30, "rules": [
            {"id": "x3", "trigger": {"type": "order_paid"}, "reward": {"multiplier": 3}}]}]})

    def order(n: int, minute: float, amount) -> Ev:
        return Ev(n, f"o{n}", "order_paid", "m", "d", "10.0.0.1", T0.timestamp() + minute * 60,
                  {"order_id": f"o{n}", "amount_fen": amount})
    events = [order(1, 5, 9900), order(2, 35, 10000), order(3, 36, "bad"), order(4, 61, 10000)]
    report = dry_run(spec, events, gap_s=60, seen_before=set(), templates={}, cap=NO_CAP, points_per_yuan=Decimal(2))
    # 99 yuan x 2 points x (2 - 1) in warm-up; 100 yuan x 2 x (3 - 1) in the peak; the last is after the window
    assert report.order_bonus == {"x2": 198, "x3": 400}


def test_each_budget_that_runs_out_is_named_with_its_kind_and_time():
    rules = [{"id": "pts", "trigger": {"type": "share"}, "reward": {"points": 60}},
             {"id": "cpn", "trigger": {"type": "share"}, "reward": {"coupon_template": "T5"}, "limits": {"stock": 5}}]
    report = dry_run(_spec(rules, points=100, coupon_yuan=20), _shares(["a", "b", "c", "d", "e", "f"], every_s=60),
                     gap_s=60, seen_before=set(), templates={"T5": CouponTemplateState(face_fen=500, name="T5")},
                     cap=NO_CAP)
    at = lambda i: (T0 + timedelta(seconds=60 * i)).isoformat()  # noqa: E731
    # 60 points fit once in 100; four 5-yuan coupons fit in 20 yuan
    assert report.runs_out == {"campaign points": at(1), "campaign coupon value": at(4)}
    assert report.refused == {"pts": {"points budget exhausted": 5}, "cpn": {"coupon value budget exhausted": 2}}
