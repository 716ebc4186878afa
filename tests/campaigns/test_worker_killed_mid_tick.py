"""A worker process SIGKILLed in the middle of a campaign tick (its transaction open, trigger state
in its memory); a fresh worker rebuilds the state from the snapshot and finishes. Every grant
exactly once (the keys of an uninterrupted evaluation), the budget spent exactly, `ledger verify` clean."""

import asyncio
import os
import signal
import subprocess
import sys
import random
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from activities.intake import ingest
from activities.ledger_verify import verify_ledger
from clients import campaigns as ops
from core.db import transaction
from core.settings import PROJECT_ROOT, get_settings
from domain.campaigns.evaluator import Ev, Evaluator
from domain.campaigns.spec import CampaignSpec
from tests.campaigns.helpers import ev, new_room, spec

VIEWERS = 150
SHARE_BUDGET = 100 * 10  # points: 100 of the 150 sharers


def start_worker(database_url: str, address: str, queue: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "TEMPORAL_ADDRESS": address, "LIVEPERKS_TASK_QUEUE": queue,
           "LIVEPERKS_CAMPAIGN_TICK_BATCH": "100"}  # many small ticks: something to kill in the middle of
    return subprocess.Popen([sys.executable, str(PROJECT_ROOT / "worker.py")], env=env, cwd=PROJECT_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def tick_in_progress(cid: str) -> bool:
    """A tick holds the cursor row locked until it commits."""
    try:
        with transaction() as conn:
            conn.execute(text("SELECT 1 FROM campaign_cursor WHERE campaign_id = :c FOR UPDATE NOWAIT"), {"c": cid})
        return False
    except OperationalError:
        return True


def grants(cid: str) -> list[tuple]:
    with transaction() as conn:
        return conn.execute(text("SELECT idempotency_key, status, points FROM campaign_grant WHERE campaign_id = :c"),
                            {"c": cid}).all()


def expected_matches(body: dict, room: str) -> set[str]:
    """The uninterrupted evaluation: every event in one pass of the pure evaluator."""
    s = CampaignSpec.model_validate(body)
    with transaction() as conn:
        rows = conn.execute(text("SELECT id, event_id, type, member_id, device_id, ip, "
                                 "extract(epoch FROM occurred_at)::float8, payload FROM room_event "
                                 "WHERE room_id = :r ORDER BY id"), {"r": room}).all()
    matches = Evaluator(s, {}, gap_s=get_settings().heartbeat_gap_seconds).run([Ev(*r) for r in rows])
    return {f"campaign:{s.id}:{m.rule_id}:{m.member_id}:{m.occurrence}" for m in matches}


async def test_worker_killed_mid_tick_then_a_fresh_worker_grants_everything_exactly_once(client, database_url,
                                                                                         monkeypatch):
    queue = f"kill-{uuid.uuid4().hex[:6]}"
    monkeypatch.setattr(get_settings(), "task_queue", queue)  # the schedule starts the workflow on our queue
    address = client.service_client.config.target_host
    room = new_room()
    t0 = datetime.now(timezone.utc) - timedelta(minutes=9)
    rng = random.Random(5)
    events = []
    for i in range(VIEWERS):  # fresh viewer ids: no risk history; irregular heartbeats (regular ones look scripted)
        member, start = f"{room}-v{i}", t0 + timedelta(seconds=i % 30)
        events.append(ev(room, "enter", member, start))
        events += [ev(room, "heartbeat", member, start + timedelta(seconds=30 * k + rng.uniform(-8, 8)))
                   for k in range(1, 13)]  # about 330 s between the first and the last: 5 whole minutes
        events.append(ev(room, "share", member, t0 + timedelta(seconds=200 + i)))
    events.sort(key=lambda e: e["occurred_at"])
    with transaction() as conn:
        ingest(conn, room, events)
    body = spec(room, [
        {"id": "watch", "trigger": {"type": "watch_minutes", "minutes": 1}, "reward": {"points": 1},
         "limits": {"per_viewer": 10}},
        {"id": "share", "trigger": {"type": "share"}, "reward": {"points": 10},
         "limits": {"budget_points": SHARE_BUDGET}}], start=t0 - timedelta(minutes=1))
    cid = body["id"]
    wanted = expected_matches(body, room)
    assert len(wanted) == VIEWERS * 5 + VIEWERS  # 5 whole minutes watched each (330 s), and a share each

    worker = start_worker(database_url, address, queue)
    try:
        await ops.create(client, CampaignSpec.model_validate(body), tick_seconds=0.2)
        for _ in range(1200):  # kill it inside a tick, once some (not all) grants are committed
            if len(grants(cid)) >= 50 and await asyncio.to_thread(tick_in_progress, cid):
                break
            await asyncio.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        at_kill = len(grants(cid))
        assert 0 < at_kill < len(wanted), f"{at_kill} grants at the kill: the test proves nothing"
        worker = start_worker(database_url, address, queue)
        for _ in range(600):
            rows = grants(cid)
            if sum(1 for k, _, _ in rows if ":watch:" in k) == VIEWERS * 5 and \
                    sum(p for k, st, p in rows if ":share:" in k and st == "granted") == SHARE_BUDGET:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.5)  # a few more ticks: nothing more may appear
        await ops.stop(client, cid)
    finally:
        worker.terminate()
        worker.wait()
    rows = grants(cid)
    keys = [k for k, _, _ in rows]
    assert len(keys) == len(set(keys)) and set(keys) <= wanted  # each at most once, none made up
    assert {k for k in wanted if ":watch:" in k} <= set(keys)  # every watching grant
    # once the share budget ran dry the rule stopped: later sharers get no row at all
    assert {st for k, st, _ in rows if ":watch:" in k} == {"granted"}
    granted = [(k, p) for k, st, p in rows if st == "granted"]
    share_points = sum(p for k, p in granted if ":share:" in k)
    assert share_points == SHARE_BUDGET  # the budget spent exactly, never more
    assert sum(p for k, p in granted if ":watch:" in k) == VIEWERS * 5
    with transaction() as conn:
        credited = conn.execute(text("SELECT coalesce(sum(amount), 0) FROM points_lot WHERE member_id LIKE :m"),
                                {"m": f"{room}-v%"}).scalar()
        remaining = conn.execute(text("SELECT points_remaining FROM campaign_budget WHERE campaign_id = :c "
                                      "AND rule_id = 'share'"), {"c": cid}).scalar()
        report = verify_ledger(conn)
    assert credited == SHARE_BUDGET + VIEWERS * 5 and remaining == 0
    assert report.ok, report.problems
