"""A milestone lottery drawn by a real tick, re-verified from its record over the API and the CLI."""

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import text
from typer.testing import CliRunner

from activities.campaign_store import create_campaign
from activities.campaign_tick import campaign_tick
from activities.intake import ingest
from cli.main import app
from core.db import transaction
from domain.campaigns.spec import CampaignSpec
from models.campaign_run import TickInput
from tests.campaigns.helpers import ev, new_room, own_ip, spec

T0 = datetime.now(timezone.utc) - timedelta(minutes=8)
WINDOW_START = T0 - timedelta(minutes=2)  # the window follows T0, fixed at import, not the test's own start
LOTTERY = [{"id": "lucky", "trigger": {"type": "online_milestone", "count": 1000, "mode": "lottery", "winners": 3},
            "reward": {"points": 88}}]


def _drawn_campaign() -> tuple[str, str, list[str]]:
    """A room of 12 viewers (two left before the milestone) whose online count passes 1,000; ticked once."""
    room = new_room()
    viewers = [f"{room}-v{i}" for i in range(12)]
    events = [{**ev(room, "enter", v, T0 + timedelta(seconds=i)), "ip": own_ip()} for i, v in enumerate(viewers)]
    events += [ev(room, "leave", v, T0 + timedelta(seconds=20)) for v in viewers[:2]]
    events += [ev(room, "online_count", None, T0 + timedelta(seconds=25), count=400),
               ev(room, "online_count", None, T0 + timedelta(seconds=30), n=2, count=1200)]
    with transaction() as conn:
        ingest(conn, room, events)
        body = spec(room, LOTTERY, start=WINDOW_START)
        create_campaign(conn, CampaignSpec.model_validate(body))
    ticked = campaign_tick(TickInput(campaign_id=body["id"]))
    assert ticked.grants.get("granted") == 3, ticked
    return room, body["id"], viewers[2:]


def _tamper(campaign_id: str) -> None:
    """An operator's "correction" the record cannot support: a loser in place of the first winner."""
    with transaction() as conn:
        entrants, winners = conn.execute(text("SELECT entrants, winners FROM lottery_draw WHERE campaign_id = :c"),
                                         {"c": campaign_id}).one()
        loser = next(e for e in entrants if e not in winners)
        conn.execute(text("UPDATE lottery_draw SET winners = CAST(:w AS jsonb) WHERE campaign_id = :c"),
                     {"w": json.dumps([loser, *winners[1:]]), "c": campaign_id})


async def test_the_draw_verifies_over_http_with_its_winners_grants(http, token):
    room, cid, present = _drawn_campaign()
    ops = token("operator")
    r = await http.get(f"/v1/campaigns/{cid}/draws", headers=ops)
    assert r.status_code == 200, r.text
    [draw] = r.json()
    assert draw["rule_id"] == "lucky" and draw["room_id"] == room
    assert draw["entrants"] == sorted(present) and len(draw["winners"]) == 3
    assert set(draw["winners"]) <= set(present) and draw["verified"] is True
    assert draw["grants"] == {w: "granted" for w in draw["winners"]}
    with transaction() as conn:
        paid = dict(conn.execute(text("SELECT member_id, points FROM campaign_grant WHERE campaign_id = :c"),
                                 {"c": cid}).all())
    assert paid == {w: 88 for w in draw["winners"]}
    _tamper(cid)
    assert [d["verified"] for d in (await http.get(f"/v1/campaigns/{cid}/draws", headers=ops)).json()] == [False]
    assert (await http.get("/v1/campaigns/no-such/draws", headers=ops)).status_code == 404
    assert (await http.get(f"/v1/campaigns/{cid}/draws", headers=token("live-platform"))).status_code == 403


def test_the_cli_verifies_draws_and_exits_1_on_a_mismatch(database_url):
    room, cid, _ = _drawn_campaign()
    runner = CliRunner()
    ok = runner.invoke(app, ["campaigns", "draws", cid])
    assert ok.exit_code == 0, ok.output
    assert f"lucky  room {room}: 3 of 10 entrants" in ok.output and "verified; grants granted 3" in ok.output
    full = json.loads(runner.invoke(app, ["campaigns", "draws", cid, "--json"]).output)
    assert len(full) == 1 and len(full[0]["entrants"]) == 10
    _tamper(cid)
    bad = runner.invoke(app, ["campaigns", "draws", cid])
    assert bad.exit_code == 1 and "DOES NOT MATCH" in bad.output
    assert runner.invoke(app, ["campaigns", "draws", "no-such"]).exit_code == 1
    quiet = runner.invoke(app, ["campaigns", "draws", _quiet_campaign()])
    assert quiet.exit_code == 0 and "no lottery draws" in quiet.output


def _quiet_campaign() -> str:
    room = new_room()
    with transaction() as conn:
        body = spec(room, LOTTERY, start=WINDOW_START)
        create_campaign(conn, CampaignSpec.model_validate(body))
    return body["id"]
