"""Order points multipliers from campaign rules; the live platform's Python client."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from temporalio.testing import ActivityEnvironment

from activities.campaign_store import create_campaign, set_status, summarize, update_campaign
from activities.campaign_tick import campaign_tick
from activities.earning_rules import load_rules
from activities.settlement import accept_order, apply_refund
from clients.events import EventsClient
from core.db import transaction
from domain.campaigns.spec import CampaignSpec
from models.campaign_run import TickInput
from models.orders import PaidOrder, Refund
from models.settlement import AcceptOrderInput, RefundInput
from tests.campaigns.helpers import ev, new_room, own_ip, spec
from tests.workflows.orders import paid_order

pytestmark = pytest.mark.usefixtures("database_url")


def _multipliers(cid: str) -> list[tuple]:
    with transaction() as conn:
        return conn.execute(text("SELECT scope, key, multiplier FROM points_multiplier WHERE source = :s"),
                            {"s": f"campaign:{cid}"}).all()


def _rate(room: str, at: datetime | None = None) -> float:
    at = at or datetime.now(timezone.utc)
    with transaction() as conn:
        return float(load_rules(conn, room_id=room, at=at).campaign_multiplier(room, at))


def _change(cid: str, body: dict | None = None, status: str | None = None) -> None:
    with transaction() as conn:
        if body:
            update_campaign(conn, CampaignSpec.model_validate(body))
        if status:
            set_status(conn, cid, status)
    campaign_tick(TickInput(campaign_id=cid))


def test_order_multiplier_follows_the_rule_and_pauses_without_rewriting_the_past():
    room = new_room()
    body = spec(room, [{"id": "x2", "trigger": {"type": "order_paid"}, "reward": {"multiplier": 2}}])
    cid = body["id"]
    with transaction() as conn:
        create_campaign(conn, CampaignSpec.model_validate(body))
    campaign_tick(TickInput(campaign_id=cid))
    campaign_tick(TickInput(campaign_id=cid))  # idempotent
    assert [(s, k, float(m)) for s, k, m in _multipliers(cid)] == [("room", room, 2.0)]
    assert _rate(room) == 2.0
    while_on = datetime.now(timezone.utc)
    _change(cid, body={**body, "rules": [{**body["rules"][0], "enabled": False}]})
    assert _rate(room) == 1.0 and _rate(room, while_on) == 2.0  # a late settlement of an earlier order keeps x2
    _change(cid, body=body)
    assert _rate(room) == 2.0
    _change(cid, status="paused")  # the paused tick writes nothing
    assert _rate(room) == 1.0
    paused = datetime.now(timezone.utc)
    _change(cid, status="running")
    assert _rate(room) == 2.0 and _rate(room, paused) == 1.0 and _rate(room, while_on) == 2.0
    _change(cid, status="stopped")
    assert _rate(room) == 1.0 and _rate(room, while_on) == 2.0


def _settle(room: str, amount: str) -> PaidOrder:
    order = paid_order(amount=amount).model_copy(update={"room_id": room, "ip": own_ip(), "device_id": own_ip()})
    ActivityEnvironment().run(accept_order, AcceptOrderInput(order=order, return_window_seconds=60))
    return order


def test_the_summary_counts_what_a_multiplier_added_to_orders_as_the_campaigns_cost():
    room, elsewhere = new_room(), new_room()
    body = spec(room, [{"id": "x2", "trigger": {"type": "order_paid"}, "reward": {"multiplier": 2}}])
    with transaction() as conn:
        create_campaign(conn, CampaignSpec.model_validate(body))
    campaign_tick(TickInput(campaign_id=body["id"]))
    _settle(room, "300")  # 300 points at 1x, 600 at 2x: 300 of bonus
    refunded = _settle(room, "200")  # 200 of bonus, then a quarter of the order refunded
    _settle(elsewhere, "300")  # not the campaign's room
    ActivityEnvironment().run(apply_refund, RefundInput(order_id=refunded.order_id,
                                                        refund=Refund(refund_id="r1", amount=Decimal("50"))))
    with transaction() as conn:
        summary = summarize(conn, body["id"])
    assert (summary.orders_multiplied, summary.order_bonus_points) == (2, 300 + 150)
    assert summary.points_granted == 0  # the bonus is settlement's to pay, shown apart from grants


def test_a_multiplier_in_a_phase_is_in_force_during_the_phase_only():
    room = new_room()
    body = spec(room, [{"id": "s", "trigger": {"type": "share"}, "reward": {"points": 1}}],
                phases=[{"name": "peak", "start_minute": 30, "end_minute": 40,
                         "rules": [{"id": "x3", "trigger": {"type": "order_paid"}, "reward": {"multiplier": 3}}]}])
    with transaction() as conn:
        create_campaign(conn, CampaignSpec.model_validate(body))
    campaign_tick(TickInput(campaign_id=body["id"]))
    start = datetime.fromisoformat(body["window"]["start"])  # 10 minutes ago
    assert [_rate(room, start + timedelta(minutes=m)) for m in (12, 31, 39, 41)] == [1.0, 3.0, 3.0, 1.0]


def test_a_multiplier_rule_cannot_carry_a_budget():
    body = spec("r", [{"id": "x2", "trigger": {"type": "order_paid"}, "reward": {"multiplier": 2},
                       "limits": {"budget_points": 100}}])
    with pytest.raises(ValueError, match="earned through order settlement"):
        CampaignSpec.model_validate(body)


def test_python_client_posts_batches(token):
    from api.main import app

    room = new_room()
    now = datetime.now(timezone.utc)
    events = [ev(room, "like", f"m{i}", now, count=1) for i in range(5)] + [ev(room, "warp", "m", now)]
    live = token("live-platform")["Authorization"].split()[1]
    with EventsClient("http://api", live, http=TestClient(app)) as client:
        first = client.post_all(room, events, batch_size=4)
        again = client.post_all(room, events, batch_size=4)
    assert (first.received, first.accepted, first.duplicates) == (6, 5, 0)
    assert [r.index for r in first.rejected] == [5]
    assert again.accepted == 0 and again.duplicates == 5
