"""Order points multipliers from campaign rules; the live platform's Python client."""

from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from activities.campaign_store import create_campaign, set_status, update_campaign
from activities.campaign_tick import campaign_tick
from activities.earning_rules import load_rules
from clients.events import EventsClient
from core.db import transaction
from domain.campaigns.spec import CampaignSpec
from models.campaign_run import TickInput
from tests.campaigns.helpers import ev, new_room, spec

pytestmark = pytest.mark.usefixtures("database_url")


def _multipliers(cid: str) -> list[tuple]:
    with transaction() as conn:
        return conn.execute(text("SELECT scope, key, multiplier FROM points_multiplier WHERE source = :s"),
                            {"s": f"campaign:{cid}"}).all()


def test_order_multiplier_follows_the_rule():
    room = new_room()
    body = spec(room, [{"id": "x2", "trigger": {"type": "order_paid"}, "reward": {"multiplier": 2}}])
    cid = body["id"]
    with transaction() as conn:
        create_campaign(conn, CampaignSpec.model_validate(body))
    campaign_tick(TickInput(campaign_id=cid))
    campaign_tick(TickInput(campaign_id=cid))  # idempotent
    assert [(s, k, float(m)) for s, k, m in _multipliers(cid)] == [("room", room, 2.0)]
    with transaction() as conn:
        rules = load_rules(conn, room_id=room, at=datetime.now(timezone.utc))
    assert float(rules.campaign_multiplier(room, datetime.now(timezone.utc))) == 2.0
    off = {**body, "rules": [{**body["rules"][0], "enabled": False}]}
    with transaction() as conn:
        update_campaign(conn, CampaignSpec.model_validate(off))
    campaign_tick(TickInput(campaign_id=cid))
    assert _multipliers(cid) == []
    with transaction() as conn:
        update_campaign(conn, CampaignSpec.model_validate(body))
    campaign_tick(TickInput(campaign_id=cid))
    with transaction() as conn:
        set_status(conn, cid, "stopped")
        ends = conn.execute(text("SELECT ends_at FROM points_multiplier WHERE source = :s"),
                            {"s": f"campaign:{cid}"}).scalar()
    assert ends <= datetime.now(timezone.utc)


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
