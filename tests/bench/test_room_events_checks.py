"""The room-events benchmark's checks: what the campaign's points budget has left adds up to the budget less
the points granted and held (denied and suppressed grants took nothing); every granted coupon grant has its
coupon."""

from datetime import datetime, timezone

from sqlalchemy import text

from activities.campaign_grants import _record, _row
from activities.campaign_rewards import Grant
from bench.room_events import _budget_left
from core.db import transaction
from tests.conftest import unique


def _grants(conn, campaign: str, statuses: list[tuple[str, int]]) -> None:
    _record(conn, [_row(Grant(key=unique("bl"), campaign_id=campaign, rule_id="w", room_id="r", member_id="m",
                              kind="points", points=points), status) for status, points in statuses])


def test_the_budget_adds_up_only_when_its_rows_account_for_every_point_granted_or_held(database_url):
    campaign = unique("budget-left")
    with transaction() as conn:
        conn.execute(text("INSERT INTO campaign_budget (campaign_id, rule_id, points_remaining) VALUES (:c, '', 85)"),
                     {"c": campaign})
        _grants(conn, campaign, [("granted", 10), ("held", 5), ("denied", 7), ("suppressed", 3)])
    assert _budget_left(campaign, 100) == {"points_budget_left": 85, "points_budget_adds_up": True}
    with transaction() as conn:  # a grant whose points the budget never saw
        _grants(conn, campaign, [("granted", 1)])
    assert _budget_left(campaign, 100) == {"points_budget_left": 85, "points_budget_adds_up": False}
    assert _budget_left(campaign, None) == {}


def test_the_coupons_match_only_when_every_granted_coupon_grant_has_its_coupon(database_url):
    from activities.coupon_issue import issue_coupon
    from bench.room_events import _coupons
    from tests.coupons.helpers import make_template

    campaign = unique("coupons-match")
    with transaction() as conn:
        template = make_template(conn)
        _record(conn, [_row(Grant(key=unique("cm"), campaign_id=campaign, rule_id="k", room_id="r", member_id="m",
                                  kind="coupon", template_id=template), status)
                       for status in ("granted", "suppressed")])
        issue_coupon(conn, template_id=template, member_id="m", idempotency_key=unique("cm"), source="t",
                     now=datetime.now(timezone.utc))
    assert _coupons(True, campaign, template) == {"coupons_issued": 1, "coupons_match_grants": True}
    with transaction() as conn:  # a coupon no grant accounts for
        issue_coupon(conn, template_id=template, member_id="m2", idempotency_key=unique("cm"), source="t",
                     now=datetime.now(timezone.utc))
    assert _coupons(True, campaign, template) == {"coupons_issued": 2, "coupons_match_grants": False}
    assert _coupons(False, campaign, template) == {}
