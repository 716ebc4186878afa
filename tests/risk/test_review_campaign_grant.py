"""Held campaign grants through the real scorer, the campaign tick and the review API: approving
credits the points the rule promised, rejecting cancels the grant and gives its budget back."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from activities.campaign_store import create_campaign
from activities.campaign_tick import campaign_tick
from activities.intake import ingest
from activities.risk_sim import write_events
from core.db import transaction
from domain.campaigns.spec import CampaignSpec
from models.campaign_run import TickInput
from simulator.attackers import SimEvent
from tests.campaigns.helpers import ev, new_room, spec
from tests.conftest import unique


def _farmed_share(member: str) -> tuple[str, int]:
    """A member who entered and left 16 times in 20 minutes shares a room with a 10-point campaign on it."""
    now = datetime.now(timezone.utc)
    room = new_room()
    with transaction() as conn:
        write_events(conn, [SimEvent("room-1", "enter" if i % 2 else "leave", member, f"{member}-phone", "10.6.6.6",
                                     now - timedelta(seconds=70 * i + i % 7), "enter_leave_farm") for i in range(16)])
        ingest(conn, room, [ev(room, "share", member, now - timedelta(seconds=5))])
        body = spec(room, [{"id": "share", "trigger": {"type": "share"}, "reward": {"points": 10}}],
                    budget={"points": 100})
        create_campaign(conn, CampaignSpec.model_validate(body))
    campaign_tick(TickInput(campaign_id=body["id"]))
    with transaction() as conn:
        grant = conn.execute(text("SELECT status FROM campaign_grant WHERE campaign_id = :c AND member_id = :m"),
                             {"c": body["id"], "m": member}).scalar()
        decision = conn.execute(text("SELECT id FROM risk_decision WHERE reference = :r AND member_id = :m "
                                     "AND status = 'held'"), {"r": f"campaign:{body['id']}", "m": member}).scalar()
    assert grant == "held" and decision is not None
    return body["id"], decision


def _state(campaign: str, member: str) -> tuple[str, int, int]:
    with transaction() as conn:
        status = conn.execute(text("SELECT status FROM campaign_grant WHERE campaign_id = :c AND member_id = :m"),
                              {"c": campaign, "m": member}).scalar()
        points = conn.execute(text("SELECT coalesce(sum(amount), 0) FROM points_lot WHERE member_id = :m"),
                              {"m": member}).scalar()
        budget = conn.execute(text("SELECT points_remaining FROM campaign_budget WHERE campaign_id = :c "
                                   "AND rule_id = ''"), {"c": campaign}).scalar()
    return status, points, budget


async def test_approving_a_held_campaign_grant_credits_its_points(http, token):
    member = unique("rv-camp-ok")
    campaign, decision = _farmed_share(member)
    assert _state(campaign, member) == ("held", 0, 90)  # the hold reserves its budget
    r = await http.post(f"/v1/risk/review/{decision}/approve", headers=token("operator"))
    assert r.status_code == 200 and "granted" in r.json()["follow_up"]
    assert _state(campaign, member) == ("granted", 10, 90)
    again = await http.post(f"/v1/risk/review/{decision}/approve", headers=token("operator"))
    assert again.status_code == 200 and again.json()["already_applied"]
    assert _state(campaign, member) == ("granted", 10, 90)


async def test_rejecting_a_held_campaign_grant_cancels_it_and_labels_the_member(http, token):
    member = unique("rv-camp-no")
    campaign, decision = _farmed_share(member)
    r = await http.post(f"/v1/risk/review/{decision}/reject", headers=token("operator"))
    assert r.status_code == 200 and "rejected" in r.json()["follow_up"]
    assert _state(campaign, member) == ("rejected", 0, 100)
    with transaction() as conn:
        labels = conn.execute(text("SELECT entity_kind, label FROM risk_label WHERE reference = :r ORDER BY 1"),
                              {"r": f"decision:{decision}"}).all()
    assert [tuple(x) for x in labels] == [("device", "fraud"), ("member", "fraud")]
