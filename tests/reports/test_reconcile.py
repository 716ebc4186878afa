"""Every headline figure of a report over a hand-counted week, and the same figures from the ledger."""

import random
from datetime import date

import pytest
from sqlalchemy import text

from core.settings import get_settings
from domain.report_period import week_of
from reports.build import build_report
from tests.reports.known_week import TZ, add_coupons, seed


@pytest.fixture
def no_coupon_table(monkeypatch):
    """As before the coupon module is deployed: its table is not there."""
    from reports.queries import coupons

    monkeypatch.setitem(coupons.COUPON, "table", "coupon_not_deployed")


@pytest.fixture
def week(conn, tmp_path, monkeypatch):
    monkeypatch.setenv("LIVEPERKS_REPORTS_DIR", str(tmp_path))
    get_settings.cache_clear()
    # A week far in the past that no other test writes into (the database is shared by the session).
    p = week_of(date(random.randint(2001, 2015), 3, 10), TZ)
    members = seed(conn, p.first)
    yield p, members
    monkeypatch.undo()
    get_settings.cache_clear()


def test_headline_figures_match_the_hand_count(conn, week, no_coupon_table):
    p, m = week
    result = build_report(conn, p, get_settings())
    h = result.headline
    assert (h["points_issued"], h["points_consumed"], h["points_expired"]) == (210, 40, 5)
    assert h["points_outstanding"] == 90 + 25 + 7  # A, C, and D's grant from the week before
    assert h["consumption_rate"] == pytest.approx(40 / 210)
    assert (h["gmv_fen"], h["orders"], h["buyers"], h["viewers"]) == (15000, 4, 4, 4)
    assert h["aov_fen"] == pytest.approx(3750)
    assert (h["orders_held"], h["orders_denied"]) == (1, 1)
    assert h["campaign_cost_fen"] == 60  # 60 points x 1 fen
    assert h["coupons_issued"] is None  # no coupon table
    html = open(result.path, encoding="utf-8").read()
    assert "No data yet: the coupon tables are not in this database." in html


def test_figures_reconcile_with_the_ledger_tables(conn, week):
    p, m = week
    h = build_report(conn, p, get_settings()).headline
    ours = [m[k] for k in "ABCD"]
    by_bucket = dict(conn.execute(text("""
        SELECT p.bucket, sum(p.amount) FROM posting p JOIN journal_entry e ON e.id = p.entry_id
        WHERE e.created_at >= :s AND e.created_at < :e GROUP BY p.bucket"""), {"s": p.start, "e": p.end}).all())
    assert h["points_issued"] == -by_bucket["system:issued"]
    assert h["points_consumed"] == by_bucket["spent"] and h["points_expired"] == by_bucket["expired"]
    balance = conn.execute(text("SELECT sum(pending + available) FROM member_balance WHERE member_id = ANY(:m)"),
                           {"m": ours}).scalar_one()
    assert h["points_outstanding"] == balance


def test_sections_in_detail(conn, week, no_coupon_table):
    from reports.gather import gather

    p, m = week
    data = gather(conn, p, get_settings())
    s = data["sections"]
    assert {(r["rule"], r["trigger"]): r["issued"] for r in s["points"]["by_rule"]} == {
        ("orders", "order_paid"): 150, ("r1", "comment"): 50, ("r2", "share"): 10}
    assert sum(d["issued"] for d in s["points"]["by_day"]) == 210 and len(s["points"]["by_day"]) == 7
    b = s["buyers"]
    assert (b["participants"]["members"], b["participants"]["buyers"], b["participants"]["gmv_fen"]) == (2, 2, 13000)
    assert (b["others"]["members"], b["others"]["buyers"], b["others"]["gmv_fen"]) == (3, 2, 2000)
    assert b["others"]["conversion"] == pytest.approx(2 / 3) and b["participants"]["aov_fen"] == 6500
    assert (b["new"]["buyers"], b["new"]["gmv_fen"], b["returning"]["buyers"], b["returning"]["gmv_fen"]) == \
        (3, 12000, 1, 3000)
    rules = {r["rule"]: r for r in s["rules"]["rules"]}
    assert (rules["r1"]["members"], rules["r1"]["cost_fen"], rules["r1"]["gmv_fen"]) == (2, 50, 13000)
    assert (rules["r2"]["members"], rules["r2"]["cost_fen"], rules["r2"]["gmv_fen"]) == (1, 10, 3000)
    assert s["rules"]["plays"][0] == {"trigger": "comment", "grants": 2, "members": 2}
    assert s["risk"]["denied_order_goods_fen"] == 2000
    # Week over week: only D's 7 points in the week before.
    assert data["previous"]["points_issued"] == 7 and data["previous"]["orders"] == 0
    assert data["previous"]["points_outstanding"] == 7


def test_coupon_figures(conn, week):
    p, m = week
    add_coupons(conn, m, p.first)
    result = build_report(conn, p, get_settings())
    h = result.headline
    assert (h["coupons_issued"], h["coupons_redeemed"], h["coupons_expired"]) == (4, 2, 1)
    assert h["coupon_redemption_rate"] == pytest.approx(0.5)
    assert (h["coupon_cost_fen"], h["coupon_gmv_fen"]) == (1500, 12000)
    assert h["campaign_cost_fen"] == 60  # none of these coupons came from a campaign rule
    from reports.gather import gather

    s = gather(conn, p, get_settings())["sections"]
    assert s["buyers"]["participants"]["members"] == 4  # coupon holders take part too
    assert {r["label"]: (r["issued"], r["redeemed"]) for r in s["coupons"]["by_denomination"]} == {
        500: (2, 1), 1000: (2, 1)}
    assert {r["label"]: r["issued"] for r in s["coupons"]["by_session_hour"]} == {0: 4}
    assert {r["label"]: (r["issued"], r["redeemed"]) for r in s["coupons"]["by_trigger"]} == {
        "exchange": (2, 1), "lottery": (1, 0), "campaign": (1, 1)}
