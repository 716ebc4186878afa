"""`liveperks rooms`, `events load` and `campaigns` (create refusal, dry-run) through typer."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from cli.main import app
from core.db import transaction
from simulator import SessionConfig, simulate
from tests.conftest import unique
from tests.coupons.helpers import make_template

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("database_url")


def test_rooms_events_load_and_dry_run(tmp_path):
    room = unique("room")
    assert "registered" in runner.invoke(app, ["rooms", "add", room, "--shop", "s1"]).output
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=20)
    session = simulate(SessionConfig(room_id=room, viewers=40, duration_s=600, seed=3, start=start))
    path = tmp_path / "session.ndjson"
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in session.events)
                    + '\n{"event_id": "bad", "type": "nope", "room_id": "' + room + '"}\n')
    first = runner.invoke(app, ["events", "load", str(path), "--batch", "500"])
    assert first.exit_code == 0, first.output
    totals = json.loads(first.output.strip().splitlines()[-1])
    assert totals == {"received": len(session.events) + 1, "accepted": len(session.events), "duplicates": 0,
                      "rejected": 1}
    assert "unknown event type 'nope'" in first.output
    again = json.loads(runner.invoke(app, ["events", "load", str(path)]).output.strip().splitlines()[-1])
    assert again["accepted"] == 0 and again["duplicates"] == len(session.events)

    with transaction() as conn:
        template = make_template(conn, stock=2)
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"""id: {unique('dry')}
rooms: [{room}]
window: {{start: "2030-01-01T00:00:00Z", end: "2030-01-01T02:00:00Z"}}
rules:
  - id: watch
    trigger: {{type: watch_minutes, minutes: 2}}
    reward: {{points: 10}}
    limits: {{budget_points: 100}}
  - id: kw
    trigger: {{type: comment_keyword, keywords: [lucky]}}
    reward: {{coupon_template: {template}}}
""")
    out = runner.invoke(app, ["campaigns", "dry-run", str(spec), "--room", room, "--from", start.isoformat(),
                              "--to", (start + timedelta(minutes=15)).isoformat()])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert report["events"] == len(session.events)
    assert report["grants_by_rule"]["watch"] == 10 and report["points"] == 100
    assert set(report["refused"]["watch"]) == {"points budget exhausted"}
    assert set(report["budget_runs_out_at"]) == {"rule watch points", f"template {template} stock"}
    assert report["coupons_by_template"] == {template: 2} == {template: report["grants_by_rule"]["kw"]}
    assert report["coupon_value_yuan"] == 10.0 and report["refused"]["kw"]["coupon not issued: out_of_stock"] > 0
    naive = runner.invoke(app, ["campaigns", "dry-run", str(spec), "--room", room, "--from", "2030-01-01T00:00:00",
                                "--to", "2030-01-01T01:00:00"])
    assert naive.exit_code == 2 and "--from/--to: window times need a time zone" in naive.output


def test_bad_spec_is_refused_with_line(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("id: x\nrooms: [r]\nwindow: {start: 2030-01-01T00:00:00Z, end: 2030-01-01T01:00:00Z}\n"
                    "rules:\n  - id: a\n    trigger: {type: watch_minutes}\n    reward: {points: 1}\n")
    out = runner.invoke(app, ["campaigns", "create", str(spec)])
    assert out.exit_code == 2 and "bad.yaml:6 rules.0.trigger.minutes: Field required" in out.output


def test_events_load_names_a_broken_line_and_stores_nothing(tmp_path):
    room = unique("room")
    runner.invoke(app, ["rooms", "add", room])
    at = datetime.now(timezone.utc).isoformat()
    good = [{"event_id": f"{room}-{i}", "type": "comment", "member_id": "m1", "occurred_at": at,
             "payload": {"text": "hi\u2028there"}} for i in range(2)]  # a line separator inside a comment
    path = tmp_path / "broken.ndjson"
    path.write_text(json.dumps(good[0], ensure_ascii=False) + '\n{"event_id": "cut off\n'
                    + json.dumps(good[1], ensure_ascii=False) + "\n", encoding="utf-8")
    broken = runner.invoke(app, ["events", "load", str(path), "--room", room])
    assert broken.exit_code == 2 and "broken.ndjson line 2" in broken.output
    path.write_bytes(b"[1, 2]\n")
    assert "line 1: an event must be a JSON object" in runner.invoke(app, ["events", "load", str(path)]).output
    with transaction() as conn:
        assert conn.execute(text("SELECT count(*) FROM room_event WHERE room_id = :r"), {"r": room}).scalar() == 0
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in good), encoding="utf-8")
    fixed = runner.invoke(app, ["events", "load", str(path), "--room", room])
    assert fixed.exit_code == 0 and json.loads(fixed.output)["accepted"] == 2, fixed.output


def test_dry_run_first_visit_of_scope_shop_looks_at_the_shops_other_rooms(tmp_path):
    shop, first, second = unique("shop"), unique("room"), unique("room")
    for room in (first, second):
        runner.invoke(app, ["rooms", "add", room, "--shop", shop])
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=30)
    with transaction() as conn:
        from activities.intake import ingest
        ingest(conn, first, [{"event_id": f"{first}-1", "type": "enter", "member_id": "regular",
                              "occurred_at": (start - timedelta(days=1)).isoformat()}])
        ingest(conn, second, [{"event_id": f"{second}-{m}", "type": "enter", "member_id": m,
                               "occurred_at": (start + timedelta(minutes=1)).isoformat()} for m in ("regular", "new")])
    granted = {}
    for scope in ("room", "shop"):
        spec = tmp_path / f"{scope}.yaml"
        spec.write_text(f"""id: {unique('dry')}
rooms: [{second}]
window: {{start: "2030-01-01T00:00:00Z", end: "2030-01-01T02:00:00Z"}}
rules:
  - id: newcomer
    trigger: {{type: first_visit, scope: {scope}}}
    reward: {{points: 5}}
""")
        out = runner.invoke(app, ["campaigns", "dry-run", str(spec), "--room", second, "--from", start.isoformat(),
                                  "--to", (start + timedelta(minutes=10)).isoformat()])
        assert out.exit_code == 0, out.output
        granted[scope] = json.loads(out.output)["members_by_rule"].get("newcomer", 0)
    assert granted == {"room": 2, "shop": 1}  # "regular" was in the shop's other room yesterday
