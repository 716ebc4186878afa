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
    assert (await http.post(f"/v1/campaigns/{cid}/pause", headers=ops)).json()["status"] == "paused"
    assert (await http.get(f"/v1/campaigns/{cid}", headers=ops)).json()["status"] == "paused"
    assert (await http.post(f"/v1/campaigns/{cid}/resume", headers=ops)).json()["status"] == "running"
    wrong = await http.put("/v1/campaigns/other", json=body, headers=ops)
    assert wrong.status_code == 422 and "does not match" in wrong.json()["detail"]
    bad = await http.post("/v1/campaigns", json={**body, "id": "x y"}, headers=ops)
    assert bad.status_code == 422 and "id" in bad.json()["detail"]
    assert (await http.put(f"/v1/campaigns/{cid}", json=body, headers=ops)).json()["version"] == 2
    assert any(c["campaign_id"] == cid for c in (await http.get("/v1/campaigns", headers=ops)).json())
    assert (await http.post("/v1/campaigns/grants/-1/review", json={"approve": True}, headers=ops)).status_code == 404
    assert (await http.get(f"/v1/campaigns/{cid}", headers=token("live-platform"))).status_code == 403
    summary = (await http.post(f"/v1/campaigns/{cid}/stop", headers=ops)).json()
    assert summary["grants_by_rule"]["watch5"]["granted"] == 1
    assert await _wait(lambda: _status(cid) == "stopped")
    stopped = await http.put(f"/v1/campaigns/{cid}", json=body, headers=ops)
    assert stopped.status_code == 422 and "is stopped" in stopped.json()["detail"]
    for verb in ("pause", "resume", "stop"):  # unknown: 404 everywhere, as GET says
        r = await http.post(f"/v1/campaigns/no-such-{cid}/{verb}", headers=ops)
        assert r.status_code == 404 and r.json()["detail"] == f"unknown campaign no-such-{cid}", (verb, r.text)
    r = await http.put(f"/v1/campaigns/no-such-{cid}", json={**body, "id": f"no-such-{cid}"}, headers=ops)
    assert r.status_code == 404, r.text


def _status(cid: str) -> str:
    with transaction() as conn:
        return conn.execute(text("SELECT status FROM campaign WHERE campaign_id = :c"), {"c": cid}).scalar()
