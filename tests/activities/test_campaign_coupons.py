"""Coupon rewards through the coupons area's issue_coupon: delivery, frequency caps across campaigns
under concurrent ticks, coupon-value budgets and template stock."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import text

from activities.campaign_store import create_campaign, update_campaign
from activities.campaign_tick import campaign_tick
from activities.coupon_templates import upsert_template
from activities.intake import ingest
from core.db import transaction
from core.settings import get_settings
from domain.campaigns.spec import CampaignSpec
from domain.errors import BadInput
from models.campaign_run import TickInput
from models.coupon_api import TemplateSpec
from tests.campaigns import helpers
from tests.campaigns.helpers import ev, new_room, own_ip, spec
from tests.conftest import unique

pytestmark = pytest.mark.usefixtures("database_url")
T0 = datetime.now(timezone.utc) - timedelta(minutes=5)
WINDOW_START = T0 - timedelta(minutes=5)  # the window follows T0, fixed at import, not the test's own start


def _template(stock: int | None = None) -> str:
    tid = unique("tpl")
    with transaction() as conn:
        upsert_template(conn, TemplateSpec(id=tid, name="5 off", kind="amount_off", amount_off=Decimal("5"),
                                           validity="relative", valid_hours=24, stock=stock, per_member_limit=None))
    return tid


def _campaign(room: str, tid: str, **limits) -> str:
    body = spec(room, [{"id": "kw", "trigger": {"type": "comment_keyword", "keywords": ["lucky"]},
                        "reward": {"coupon_template": tid}, "limits": {"per_viewer": 10, **limits}}],
                start=WINDOW_START)
    with transaction() as conn:
        create_campaign(conn, CampaignSpec.model_validate(body))
    return body["id"]


def _comments(room: str, members: list[str], times: int) -> None:
    with transaction() as conn:
        ingest(conn, room, [{**ev(room, "comment", m, T0 + timedelta(seconds=i), n=i, text="lucky!"), "ip": own_ip()}
                            for m in members for i in range(times)])


def _outcomes(cid: str) -> list[tuple]:
    with transaction() as conn:
        return conn.execute(text("SELECT member_id, status, reason, value_fen, coupon_code FROM campaign_grant "
                                 "WHERE campaign_id = :c ORDER BY id"), {"c": cid}).all()


def test_coupon_arrives_with_a_notification():
    room, tid = new_room(), _template()
    cid = _campaign(room, tid)
    member = unique("m")
    _comments(room, [member], 1)
    campaign_tick(TickInput(campaign_id=cid))
    [(m, status, _, fen, code)] = _outcomes(cid)
    assert status == "granted" and fen == 500 and code
    with transaction() as conn:
        note = conn.execute(text("SELECT title, data FROM notification WHERE member_id = :m"), {"m": member}).one()
        owner = conn.execute(text("SELECT member_id FROM coupon WHERE code = :c"), {"c": code}).scalar()
    assert note[0] == "Coupon arrived" and note[1]["coupon_code"] == code and owner == member


def test_frequency_cap_holds_across_campaigns_ticking_concurrently(monkeypatch):
    monkeypatch.setattr(get_settings(), "coupon_cap_count", 2)
    room, tid = new_room(), _template()
    members = [unique("cap") for _ in range(5)]
    campaigns = [_campaign(room, tid) for _ in range(3)]
    _comments(room, members, 3)
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda c: campaign_tick(TickInput(campaign_id=c)), campaigns * 2))
    rows = [r for c in campaigns for r in _outcomes(c)]
    for m in members:
        mine = [r for r in rows if r[0] == m]
        assert len(mine) == 9  # 3 campaigns x 3 comments, each decided once
        assert sum(1 for r in mine if r[1] == "granted") == 2
        assert all("frequency cap" in r[2] for r in mine if r[1] == "suppressed")


def test_coupon_value_budget_and_template_stock():
    room = new_room()
    tid = _template()
    cid = _campaign(room, tid, budget_yuan=10)
    _comments(room, [unique("b")], 4)
    campaign_tick(TickInput(campaign_id=cid))
    got = sorted((r[1], r[2].split(":")[0]) for r in _outcomes(cid))
    # 4 matches: the cap (3 per 10 min) lets 3 through, the 10-yuan budget pays for two 5-yuan coupons
    assert got == [("granted", ""), ("granted", ""), ("suppressed", "budget exhausted"),
                   ("suppressed", "frequency cap")]
    with transaction() as conn:
        budget = conn.execute(text("SELECT fen_remaining, exhausted_reason FROM campaign_budget WHERE campaign_id = :c "
                                   "AND rule_id = 'kw'"), {"c": cid}).one()
        assert budget == (0, "coupon value budget exhausted (rule kw)")
        # the third coupon was issued, then given back when the budget refused it: no row, no unit, no allowance
        assert conn.execute(text("SELECT count(*), "
                                 "(SELECT sum(issued) FROM coupon_stock_shard WHERE template_id = :t), "
                                 "(SELECT sum(issued) FROM coupon_member_count WHERE template_id = :t) "
                                 "FROM coupon WHERE template_id = :t"), {"t": tid}).one() == (2, 2, 2)
    room2 = new_room()
    cid2 = _campaign(room2, _template(stock=1))
    _comments(room2, [unique("s"), unique("s")], 1)
    campaign_tick(TickInput(campaign_id=cid2))
    got = sorted((r[1], r[2]) for r in _outcomes(cid2))
    assert got == [("granted", ""), ("suppressed", "coupon not issued: out_of_stock")]


def test_held_coupon_is_issued_on_approval(monkeypatch):
    import activities.campaign_grants as grants
    from activities.campaign_grants import release_held_grant
    from models.risk_base import Decision, RiskVerdict

    monkeypatch.setattr(grants, "get_scorer", lambda: type("S", (), {"score": lambda self, c, rs: [
        RiskVerdict(decision=Decision.HOLD, score=0.7, reasons=["new device"]) for _ in rs]})())
    room = new_room()
    cid = _campaign(room, _template())
    _comments(room, [unique("h")], 1)
    campaign_tick(TickInput(campaign_id=cid))
    [(member, status, reason, fen, code)] = _outcomes(cid)
    assert status == "held" and reason == "new device" and code == ""
    with transaction() as conn:
        gid = conn.execute(text("SELECT id FROM campaign_grant WHERE campaign_id = :c"), {"c": cid}).scalar()
        assert conn.execute(text("SELECT count(*) FROM coupon WHERE member_id = :m"), {"m": member}).scalar() == 0
        assert release_held_grant(conn, grant_id=gid, approve=True) == "granted"
        assert release_held_grant(conn, grant_id=gid, approve=True) == "granted"
    [(_, status, _, fen, code)] = _outcomes(cid)
    with transaction() as conn:
        assert conn.execute(text("SELECT member_id FROM coupon WHERE code = :c"), {"c": code}).scalar() == member
    assert status == "granted" and fen == 500


def test_an_approval_waits_for_the_budget_rows_before_it_takes_any_stock(monkeypatch):
    """As a tick: budget rows, then stock shards. A tick's batch waits for shards in order, so an approval
    holding a shard while it waited for the budget rows a tick holds would deadlock with it."""
    import activities.campaign_grants as grants
    from activities.campaign_grants import release_held_grant
    from core.db import get_engine
    from models.risk_base import Decision, RiskVerdict

    monkeypatch.setattr(grants, "get_scorer", lambda: type("S", (), {"score": lambda self, c, rs: [
        RiskVerdict(decision=Decision.HOLD, score=0.7, reasons=["new device"]) for _ in rs]})())
    room, tid = new_room(), _template()
    cid = _campaign(room, tid)
    _comments(room, [unique("w")], 1)
    campaign_tick(TickInput(campaign_id=cid))
    with transaction() as conn:
        gid = conn.execute(text("SELECT id FROM campaign_grant WHERE campaign_id = :c"), {"c": cid}).scalar()

    def approve() -> str:
        with transaction() as conn:
            return release_held_grant(conn, grant_id=gid, approve=True)

    def shards_free() -> bool:
        with get_engine().connect() as other:
            taken = other.execute(text("SELECT count(*) FROM (SELECT 1 FROM coupon_stock_shard WHERE template_id = :t "
                                       "FOR UPDATE SKIP LOCKED) s"), {"t": tid}).scalar()
            other.rollback()
            return taken == other.execute(text("SELECT count(*) FROM coupon_stock_shard WHERE template_id = :t"),
                                          {"t": tid}).scalar()

    with ThreadPoolExecutor(max_workers=1) as pool, get_engine().connect() as tick:  # tick ends first, then pool
        tick.execute(text("SELECT 1 FROM campaign_budget WHERE campaign_id = :c FOR UPDATE"), {"c": cid})
        approval = pool.submit(approve)
        time.sleep(1.0)  # the approval is waiting for the rows the "tick" holds
        assert not approval.done() and shards_free()
        tick.rollback()
        assert approval.result(timeout=30) == "granted"


def test_a_campaign_out_of_points_still_hands_out_coupons_while_coupon_value_is_left():
    room, tid = new_room(), _template()
    body = spec(room, [{"id": "share", "trigger": {"type": "share"}, "reward": {"points": 10}},
                       {"id": "kw", "trigger": {"type": "comment_keyword", "keywords": ["lucky"]},
                        "reward": {"coupon_template": tid}}], budget={"points": 20, "coupon_yuan": 100},
                start=WINDOW_START)
    cid = body["id"]
    with transaction() as conn:
        create_campaign(conn, CampaignSpec.model_validate(body))
    sharers, commenters = [unique("s") for _ in range(5)], [unique("c") for _ in range(2)]

    def ev(room, kind, member, at, **payload):
        return {**helpers.ev(room, kind, member, at, **payload), "ip": own_ip()}
    with transaction() as conn:
        ingest(conn, room, [ev(room, "share", m, T0 + timedelta(seconds=i)) for i, m in enumerate(sharers[:3])])
    first = campaign_tick(TickInput(campaign_id=cid)).grants
    # 2 x 10 points, then the campaign's points ran out
    assert (first.get("granted"), first.get("suppressed")) == (2, 1), first
    with transaction() as conn:
        ingest(conn, room, [ev(room, "share", m, T0 + timedelta(seconds=10 + i)) for i, m in enumerate(sharers[3:])]
               + [ev(room, "comment", m, T0 + timedelta(seconds=20 + i), text="lucky")
                  for i, m in enumerate(commenters)])
    second = campaign_tick(TickInput(campaign_id=cid)).grants
    # the coupons; the shares dropped
    assert (second.get("granted"), second["dropped_budget_exhausted"]) == (2, 2), second
    assert {o[0] for o in _outcomes(cid) if o[1] == "granted" and o[4]} == set(commenters)
    with transaction() as conn:
        why = conn.execute(text("SELECT exhausted_reason FROM campaign_budget WHERE campaign_id = :c AND rule_id = ''"),
                           {"c": cid}).scalar()
    assert why == "points budget exhausted"


def test_a_campaign_naming_an_unknown_coupon_template_is_refused_and_not_stored():
    room = new_room()
    body = spec(room, [{"id": "kw", "trigger": {"type": "comment_keyword", "keywords": ["lucky"]},
                        "reward": {"coupon_template": "no-such-template"}}])
    with pytest.raises(BadInput, match="unknown coupon template.s. no-such-template"):
        with transaction() as conn:
            create_campaign(conn, CampaignSpec.model_validate(body))
    with transaction() as conn:
        assert conn.execute(text("SELECT count(*) FROM campaign WHERE campaign_id = :c"),
                            {"c": body["id"]}).scalar() == 0
    good = {**body, "rules": [{**body["rules"][0], "reward": {"coupon_template": _template()}}]}
    with transaction() as conn:
        assert create_campaign(conn, CampaignSpec.model_validate(good))
    with pytest.raises(BadInput, match="no-such-template"), transaction() as conn:
        update_campaign(conn, CampaignSpec.model_validate(body))


def test_coupon_valid_minutes_limits_a_relative_template_too():
    room, tid = new_room(), _template()  # relative: 24 hours from issue
    body = spec(room, [{"id": "kw", "trigger": {"type": "comment_keyword", "keywords": ["lucky"]},
                        "reward": {"coupon_template": tid, "coupon_valid_minutes": 30}}], start=WINDOW_START)
    with transaction() as conn:
        create_campaign(conn, CampaignSpec.model_validate(body))
    member = unique("m")
    _comments(room, [member], 1)
    before = datetime.now(timezone.utc)
    campaign_tick(TickInput(campaign_id=body["id"]))
    with transaction() as conn:
        issued, until = conn.execute(text("SELECT issued_at, valid_until FROM coupon WHERE member_id = :m"),
                                     {"m": member}).one()
    assert issued >= before - timedelta(seconds=5) and until == issued + timedelta(minutes=30)
