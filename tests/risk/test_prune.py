"""Aggregates too old for any window are dropped (hourly, after a fold); first-seen times stay."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from activities.risk_aggregates import fold
from activities.risk_prune import prune_if_due
from activities.risk_sim import write_events
from core.db import transaction
from simulator.attackers import SimEvent
from tests.conftest import unique

_ROWS = {"bucket": "SELECT count(*) FROM risk_agg_bucket WHERE entity = :d",
         "pair": "SELECT count(*) FROM risk_agg_pair WHERE entity = :d",
         "presence": "SELECT count(*) FROM risk_agg_presence WHERE device = :d",
         "entity": "SELECT count(*) FROM risk_agg_entity WHERE entity = :d"}


def _rows(device: str) -> dict[str, int]:
    with transaction() as conn:
        return {name: conn.execute(text(sql), {"d": device}).scalar() for name, sql in _ROWS.items()}


def test_old_buckets_pairs_and_presence_go_first_seen_stays_and_it_waits_an_hour(database_url):
    now = datetime.now(timezone.utc)
    old, recent = unique("old-dev"), unique("new-dev")
    with transaction() as conn:
        write_events(conn, [SimEvent("prune-room", "enter", unique("m"), old, "10.5.5.5",
                                     now - timedelta(days=3, minutes=i), "t") for i in range(5)]
                     + [SimEvent("prune-room", "enter", unique("m"), recent, "10.5.5.6",
                                 now - timedelta(minutes=i), "t") for i in range(5)])
        fold(conn, lag_ms=0)
    before = _rows(old)
    assert before["bucket"] > 0 and before["pair"] > 0 and before["presence"] == 5 and before["entity"] == 1
    kept = _rows(recent)

    assert prune_if_due(keep_hours=48, every_s=0, limit=2) > 0  # small chunks: the loop goes on until done
    assert _rows(old) == {"bucket": 0, "pair": 0, "presence": 0, "entity": 1}  # the account's age does not restart
    assert _rows(recent) == kept
    assert prune_if_due(keep_hours=0, every_s=3600) == 0  # pruned a moment ago: not due, nothing dropped
    assert _rows(recent) == kept
