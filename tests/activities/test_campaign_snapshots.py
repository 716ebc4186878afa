"""Trigger-state snapshots written after the tick's commit, in the background: each is the state as of
its event, an older one never replaces a newer one, and a room rebuilt from one grants exactly once."""

import time
from datetime import datetime, timedelta, timezone

import orjson
import pytest
from sqlalchemy import text

from activities import campaign_snapshots as snapshots
from activities import campaign_state as room_state
from activities.campaign_store import create_campaign
from activities.campaign_tick import campaign_tick
from activities.intake import ingest
from core.db import transaction
from core.settings import get_settings
from domain.campaigns.evaluator import Evaluator
from domain.campaigns.spec import CampaignSpec
from models.campaign_run import TickInput
from tests.campaigns.helpers import ev, new_room, spec, watching

pytestmark = pytest.mark.usefixtures("database_url")
T0 = datetime.now(timezone.utc) - timedelta(minutes=8)
WINDOW_START = T0 - timedelta(minutes=2)  # the window follows T0, fixed at import, not the test's own start
WATCH_MINUTE = [{"id": "w", "trigger": {"type": "watch_minutes", "minutes": 1}, "reward": {"points": 3},
                 "limits": {"per_viewer": 10}}]
LIKES_TWO = [{"id": "l", "trigger": {"type": "viewer_likes", "count": 2}, "reward": {"points": 1},
              "limits": {"per_viewer": 10}}]


def _campaign(room: str, rules: list[dict] = WATCH_MINUTE) -> CampaignSpec:
    campaign = CampaignSpec.model_validate(spec(room, rules, start=WINDOW_START))
    with transaction() as conn:
        create_campaign(conn, campaign)
    return campaign


def _ingest(room: str, events: list[dict]) -> None:
    with transaction() as conn:
        ingest(conn, room, events)


def _cursor(cid: str, room: str) -> int:
    with transaction() as conn:
        return conn.execute(text("SELECT last_event_id FROM campaign_cursor WHERE campaign_id = :c AND room_id = :r"),
                            {"c": cid, "r": room}).scalar_one()


def _likes(room: str, member: str, seconds: range) -> list[dict]:
    return [ev(room, "like", member, T0 + timedelta(seconds=s), n=s, count=1) for s in seconds]


def _watch_chunk(room: str, member: str, from_s: int, to_s: int) -> list[dict]:
    """Heartbeats every 30 s in [from_s, to_s] (an enter first when from_s is 0)."""
    events = watching(room, member, T0, to_s / 60)
    return [e for e in events if from_s <= (datetime.fromisoformat(e["occurred_at"]) - T0).total_seconds() <= to_s
            and not (from_s and e["type"] == "enter")]


def test_the_snapshot_is_the_state_as_of_its_event_once_the_tick_has_committed():
    room = new_room()
    _ingest(room, _watch_chunk(room, "s-a", 0, 150) + _watch_chunk(room, "s-b", 0, 90))
    campaign = _campaign(room)
    campaign_tick(TickInput(campaign_id=campaign.id))  # a room's first tick is due a snapshot
    snapshots.flush()
    with transaction() as conn:
        state, event_id = snapshots.latest(conn, campaign.id, room)
        events = room_state.read_events(conn, campaign, room, after=0, upto=event_id, limit=10_000)
    assert event_id == _cursor(campaign.id, room) > 0
    replayed: dict = {}
    Evaluator(campaign, replayed, gap_s=get_settings().heartbeat_gap_seconds, seen_before=set()).run(events)
    assert state == orjson.loads(orjson.dumps(replayed))
    assert set(state["viewers"]) == {"s-a", "s-b"}


def test_an_older_snapshot_never_replaces_a_newer_one():
    room = new_room()
    with transaction() as conn:
        assert snapshots.save(conn, "snap-order", room, event_id=10, state_json=b'{"at": 10}')
        assert not snapshots.save(conn, "snap-order", room, event_id=5, state_json=b'{"at": 5}')
        assert snapshots.latest(conn, "snap-order", room) == ({"at": 10}, 10)
        assert snapshots.save(conn, "snap-order", room, event_id=11, state_json=b'{"at": 11}')
        assert snapshots.latest(conn, "snap-order", room) == ({"at": 11}, 11)


def test_a_room_rebuilt_from_a_snapshot_and_a_replay_grants_exactly_once(monkeypatch):
    """Three ticks, the worker's memory dropped before the third: it starts from the snapshot of the
    first and replays the second's events. 3 + 2 + 2 likes, a grant every 2: at 2, 4 and 6 (a state
    without the replay would count 5 at the end, an empty one 2: either way no third grant)."""
    room = new_room()
    campaign = _campaign(room, LIKES_TWO)
    _ingest(room, _likes(room, "r-a", range(0, 3)))
    campaign_tick(TickInput(campaign_id=campaign.id))  # snapshot here
    snapshots.flush()
    monkeypatch.setenv("LIVEPERKS_CAMPAIGN_SNAPSHOT_SECONDS", "3600")
    get_settings.cache_clear()
    try:
        _ingest(room, _likes(room, "r-a", range(3, 5)))
        campaign_tick(TickInput(campaign_id=campaign.id))  # no snapshot: the next rebuild replays this tick's events
        with transaction() as conn:
            assert snapshots.latest(conn, campaign.id, room)[1] < _cursor(campaign.id, room)
        room_state.forget(campaign.id)
        _ingest(room, _likes(room, "r-a", range(5, 7)))
        campaign_tick(TickInput(campaign_id=campaign.id))
    finally:
        monkeypatch.delenv("LIVEPERKS_CAMPAIGN_SNAPSHOT_SECONDS")
        get_settings.cache_clear()
    with transaction() as conn:
        keys = conn.execute(text("SELECT idempotency_key FROM campaign_grant WHERE campaign_id = :c ORDER BY id"),
                            {"c": campaign.id}).scalars().all()
    assert keys == [f"campaign:{campaign.id}:l:r-a:{n}" for n in (1, 2, 3)]


def test_rooms_snapshotted_together_fall_due_at_spread_times():
    """Each next snapshot is due 30 s from now give or take a quarter: rooms that started in the same
    second do not stay in step (without the spread all twenty would be due at one instant)."""
    entries = [room_state.RoomState(cursor=1, state={}, snapshot_at=0.0) for _ in range(20)]
    assert all(room_state.snapshot_due(e, 30) for e in entries)
    before = time.monotonic()
    for e in entries:
        room_state.snapshot_taken(e, 30)
    due_in = [e.snapshot_at + 30 - before for e in entries]
    assert all(22.5 <= d <= 37.5 + (time.monotonic() - before) for d in due_in)
    assert max(due_in) - min(due_in) > 3
    assert not any(room_state.snapshot_due(e, 30) for e in entries)


def test_a_snapshot_is_stored_compressed_and_read_back_whole():
    room = new_room()
    state = {"viewers": {f"m{i}": {"w": i * 1.5, "d": "device-" + "x" * 20} for i in range(2000)}}
    with transaction() as conn:
        snapshots.save(conn, "snap-z", room, event_id=3, state_json=orjson.dumps(state))
        stored = conn.execute(text("SELECT octet_length(state) FROM campaign_snapshot WHERE campaign_id = 'snap-z' "
                                   "AND room_id = :r"), {"r": room}).scalar_one()
        assert snapshots.latest(conn, "snap-z", room) == (state, 3)
    assert stored < len(orjson.dumps(state)) / 4
