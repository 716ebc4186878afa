"""Intake over HTTP -> CampaignWorkflow (started by its Schedule) ticks -> points and notifications visible."""

import asyncio
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from core.db import transaction
from tests.campaigns.helpers import ev, new_room, spec, watching


async def _wait(predicate, seconds: float = 20):
    for _ in range(int(seconds * 10)):
        value = await asyncio.to_thread(predicate)
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError("condition not reached in time")


def _granted(campaign_id: str) -> dict:
    with transaction() as conn:
        return dict(conn.execute(text("SELECT member_id, sum(points) FROM campaign_grant WHERE campaign_id = :c "
                                      "AND status = 'granted' GROUP BY member_id"), {"c": campaign_id}).all())


async def test_watch_and_keyword_points_reach_the_member(http, token, worker):
    room = new_room()
    t0 = datetime.now(timezone.utc) - timedelta(minutes=8)
    events = watching(room, "alice", t0, 6) + watching(room, "bob", t0, 2)
    events += [ev(room, "comment", "bob", t0 + timedelta(seconds=90), text="我想要這個")]
    ops = token("operator")
    r = await http.post(f"/v1/rooms/{room}/events", json=events, headers=token("live-platform"))
    assert r.status_code == 200 and r.json()["accepted"] == len(events), r.text
    body = spec(room, [{"id": "watch5", "trigger": {"type": "watch_minutes", "minutes": 5}, "reward": {"points": 50}},
                       {"id": "kw", "trigger": {"type": "comment_keyword", "keywords": ["想要"]},
                        "reward": {"points": 5}}])
    r = await http.post("/v1/campaigns", json=body, headers=ops)
    assert r.status_code == 200, r.text
    cid = body["id"]
    assert await _wait(lambda: _granted(cid) == {"alice": 50, "bob": 5})
    member = token("member-app", "alice")
    page = (await http.get("/v1/members/alice/notifications", headers=member)).json()
    mine = [n for n in page["items"] if n["data"].get("campaign_id") == cid]
    assert mine and mine[0]["title"] == "+50 points"
    points = (await http.get("/v1/members/alice/points", headers=member)).json()
    assert points["available"] >= 50
    # more events later: the running workflow picks them up within a tick
    more = [ev(room, "comment", "carol", datetime.now(timezone.utc), text="LUCKY 想要!")]
    await http.post(f"/v1/rooms/{room}/events", json=more, headers=token("live-platform"))
    assert await _wait(lambda: _granted(cid).get("carol") == 5)
    summary = (await http.post(f"/v1/campaigns/{cid}/stop", headers=ops)).json()
    assert summary["grants_by_rule"]["watch5"]["granted"] == 1
    assert await _wait(lambda: (http_status := _status(cid)) == "stopped")


def _status(cid: str) -> str:
    with transaction() as conn:
        return conn.execute(text("SELECT status FROM campaign WHERE campaign_id = :c"), {"c": cid}).scalar()
