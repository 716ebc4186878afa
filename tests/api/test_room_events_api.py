"""Room event intake over HTTP: idempotent, per-event reasons, dead letters, clear errors."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from core.db import transaction
from tests.campaigns.helpers import ev, new_room
from tests.conftest import unique


async def test_register_room_then_post_batch_twice(http, token):
    ops, live = token("operator"), token("live-platform")
    room = unique("room")
    assert (await http.post("/v1/rooms", json={"room_id": room, "shop_id": "s1"}, headers=ops)).status_code == 200
    assert (await http.post("/v1/rooms", json={"room_id": room}, headers=live)).status_code == 403
    now = datetime.now(timezone.utc)
    batch = [ev(room, "enter", "m1", now), ev(room, "comment", "m1", now, text="hi"),
             ev(room, "online_count", None, now, count=3)]
    first = (await http.post(f"/v1/rooms/{room}/events", json=batch, headers=live)).json()
    assert first == {"received": 3, "accepted": 3, "duplicates": 0, "rejected": []}
    again = (await http.post(f"/v1/rooms/{room}/events", json=batch, headers=live)).json()
    assert again["accepted"] == 0 and again["duplicates"] == 3
    with transaction() as conn:
        assert conn.execute(text("SELECT count(*) FROM room_event WHERE room_id = :r"), {"r": room}).scalar() == 3


async def test_ndjson_with_bad_events_keeps_the_good_ones(http, token):
    room, live = new_room(), token("live-platform")
    now = datetime.now(timezone.utc)
    import json
    lines = [json.dumps(ev(room, "like", "m1", now, count=2)), "{broken",
             json.dumps(ev(room, "warp", "m1", now)),
             json.dumps(ev(room, "like", "m2", now + timedelta(days=1))),
             json.dumps(ev(room, "like", "m3", now, count="abc"), ensure_ascii=False),
             json.dumps(ev(room, "comment", "m3", now, text="行\u2028分隔"), ensure_ascii=False)]
    r = await http.post(f"/v1/rooms/{room}/events", content="\n".join(lines),
                        headers={**live, "Content-Type": "application/x-ndjson"})
    body = r.json()
    assert r.status_code == 200 and body["accepted"] == 2, body
    reasons = {x["index"]: x["reason"] for x in body["rejected"]}
    assert "not valid JSON" in reasons[1] and "unknown event type 'warp'" in reasons[2] and "future" in reasons[3]
    assert "payload.count must be a whole number" in reasons[4] and len(reasons) == 4
    with transaction() as conn:
        dead = conn.execute(text("SELECT reason FROM room_event_dead_letter WHERE room_id = :r ORDER BY id"),
                            {"r": room}).scalars().all()
        text_stored = conn.execute(text("SELECT payload->>'text' FROM room_event WHERE room_id = :r "
                                        "AND type = 'comment'"), {"r": room}).scalar()
    assert len(dead) == 4 and text_stored == "行\u2028分隔"
    again = await http.post(f"/v1/rooms/{room}/events", content="\n".join(lines),
                            headers={**live, "Content-Type": "application/x-ndjson"})
    assert again.json()["accepted"] == 0 and len(again.json()["rejected"]) == 4  # refused again, with reasons
    with transaction() as conn:  # a re-posted batch changes nothing: its refusals are not kept twice
        assert conn.execute(text("SELECT count(*) FROM room_event_dead_letter WHERE room_id = :r"),
                            {"r": room}).scalar() == 4


async def test_unknown_room_oversized_and_garbage(http, token, monkeypatch):
    live = token("live-platform")
    now = datetime.now(timezone.utc)
    r = await http.post("/v1/rooms/no-such-room/events", json=[ev("x", "enter", "m", now)], headers=live)
    assert r.status_code == 404 and "unknown room" in r.json()["detail"]
    with transaction() as conn:
        assert conn.execute(text("SELECT count(*) FROM rejected_input WHERE source = 'room_events' "
                                 "AND reference = 'no-such-room'"), {}).scalar() >= 1
    room = new_room()
    from core.settings import get_settings
    monkeypatch.setattr(get_settings(), "intake_max_body_bytes", 1000)
    r = await http.post(f"/v1/rooms/{room}/events", json=[ev(room, "enter", f"m{i}", now) for i in range(50)],
                        headers=live)
    assert r.status_code == 413 and "limit" in r.json()["detail"]
    monkeypatch.setattr(get_settings(), "intake_max_body_bytes", 10_000_000)
    r = await http.post(f"/v1/rooms/{room}/events", content=b"[1, 2", headers=live)
    assert r.status_code == 422 and "not valid JSON" in r.json()["detail"]
    r = await http.post(f"/v1/rooms/{room}/events", content=b'{"a": 1}', headers=live)
    assert r.status_code == 200 and r.json()["rejected"][0]["reason"].startswith("event_id")
    assert (await http.post(f"/v1/rooms/{room}/events", json=[], headers=token("member-app", "m"))).status_code == 403
