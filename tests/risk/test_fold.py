"""Folding new events into the risk aggregates: the scheduled workflow catches up completely, and
the scorer folds before scoring only a small backlog, so a burst never stalls a grant."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from activities.risk_sim import write_events
from core.db import transaction
from activities.risk_aggregates import fold
from core.settings import get_settings
from models.risk import FoldInput, FoldResult
from models.risk_base import GrantRequest
from risk.scorer import get_scorer
from simulator.attackers import SimEvent
from tests.conftest import unique


@pytest.fixture(autouse=True)
def database_aggregates(monkeypatch):
    """These are the aggregate tables' fold; the scorer reads them only in this setting."""
    monkeypatch.setattr(get_settings(), "risk_aggregates", "database")


def _events(device: str, n: int) -> list[SimEvent]:
    now = datetime.now(timezone.utc)
    return [SimEvent("fold-room", "heartbeat", f"{device}-m{i}", device, "10.3.3.3", now - timedelta(seconds=i), "t")
            for i in range(n)]


def _cursor(conn) -> int:
    return conn.execute(text("SELECT last_id FROM risk_agg_cursor WHERE source = 'room_event'")).scalar()


async def test_the_fold_workflow_folds_everything_new_in_bounded_slices(client, worker):
    device = unique("fold-dev")
    with transaction() as conn:  # what other tests committed first: the gap below starts at the cursor
        while fold(conn, lag_ms=0)["room_event"] > 0:
            pass
    with transaction() as conn:  # ids have gaps (rolled-back intake): one wider than a slice must not stop the fold
        conn.execute(text("SELECT setval(pg_get_serial_sequence('room_event', 'id'), "
                          "nextval(pg_get_serial_sequence('room_event', 'id')) + 100)"))
        write_events(conn, _events(device, 25))
    result = await client.execute_workflow("FoldRiskAggregatesWorkflow", FoldInput(max_rows=7), id=unique("fold"),
                                           task_queue=worker, result_type=FoldResult)
    assert result.rows >= 25
    with transaction() as conn:
        assert _cursor(conn) == conn.execute(text("SELECT max(id) FROM room_event")).scalar()
        events = conn.execute(text("SELECT sum(events) FROM risk_agg_bucket WHERE kind = 'device' AND entity = :d"),
                              {"d": device}).scalar()
    assert events == 25


def _score_one(conn) -> None:
    get_scorer().score(conn, [GrantRequest(kind="campaign_points", member_id=unique("m"), device_id=unique("d"),
                                           ip="10.9.9.9", value=1, reference=unique("g"))])


def test_the_scorer_folds_a_small_backlog_and_leaves_a_burst_to_the_schedule(conn, monkeypatch):
    write_events(conn, _events(unique("burst"), 12))
    before = _cursor(conn)
    monkeypatch.setattr(get_settings(), "risk_fold_tick_rows", 5)  # 12+ events wait: a burst
    _score_one(conn)
    assert _cursor(conn) == before
    monkeypatch.setattr(get_settings(), "risk_fold_tick_rows", 10_000_000)
    _score_one(conn)
    assert _cursor(conn) == conn.execute(text("SELECT max(id) FROM room_event")).scalar()


def test_last_times_stay_newest_first_when_a_late_event_arrives(conn):
    device, t0 = unique("late-dev"), datetime.now(timezone.utc) - timedelta(minutes=5)

    def fold_at(*seconds):
        write_events(conn, [SimEvent("fold-room", "like", unique("m"), device, "10.4.4.4",
                                     t0 + timedelta(seconds=s), "t") for s in seconds])
        fold(conn, lag_ms=0)
        return [round((ms - t0.timestamp() * 1000) / 1000) for ms in conn.execute(text(
            "SELECT recent_acts FROM risk_agg_entity WHERE kind = 'device' AND entity = :d"), {"d": device}).scalar()]

    assert fold_at(*range(10, 130, 10)) == list(range(120, 10, -10))  # the newest 11 of 12
    assert fold_at(35) == [120, 110, 100, 90, 80, 70, 60, 50, 40, 35, 30]  # late: merged into place
    assert fold_at(130, 5) == [130, 120, 110, 100, 90, 80, 70, 60, 50, 40, 35]  # one new, one older than all kept
