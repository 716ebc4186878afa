"""The member index holds only marked rows (migration 0023): over batches out of time order, re-posted and
retried, the marked rows must still answer the newcomer check, first-seen and report viewers exactly."""

import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from activities.intake import store_batch
from core.db import transaction
from domain.quarter_marks import QUARTER_S
from tests.campaigns.helpers import ev, new_room

START = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)  # a quarter-hour
PER_QUARTER = "floor(extract(epoch FROM occurred_at) / 900)"


def _session(room: str, seed: int) -> list[list[dict]]:
    """Batches of heartbeats and likes from six members over three quarter-hours, each batch a little out
    of time order and some late by minutes; a few batches are posted again, whole or in part."""
    rng = random.Random(seed)
    batches, n = [], 0
    for step in range(45):
        base = START + timedelta(seconds=step * 60)
        batch = []
        for _ in range(rng.randint(3, 12)):
            n += 1
            late = rng.random() < 0.1
            at = base - timedelta(seconds=rng.uniform(0, 400 if late else 30))
            kind = rng.choice(["heartbeat", "heartbeat", "like", "online_count"])
            member = None if kind == "online_count" else f"m{rng.randint(0, 5)}"
            batch.append(ev(room, kind, member, max(at, START), n, **({"count": 900} if member is None else {})))
        if batches and rng.random() < 0.2:
            batch += rng.sample(batches[-1], k=min(2, len(batches[-1])))  # a retried post overlapping
        batches.append(batch)
        if rng.random() < 0.1:
            batches.append(list(batch))  # the same post again
    return batches


def _rows(room: str) -> list[tuple]:
    with transaction() as conn:
        return conn.execute(text(f"SELECT id, member_id, occurred_at, first_in_quarter, {PER_QUARTER} "
                                 "FROM room_event WHERE room_id = :r AND member_id IS NOT NULL ORDER BY id"),
                            {"r": room}).all()


def test_each_members_first_and_earliest_event_per_quarter_hour_is_marked_and_little_else(database_url):
    room = new_room()
    for batch in _session(room, seed=11):
        store_batch(room, batch)
    rows = _rows(room)
    groups: dict[tuple, list] = {}
    for row in rows:
        groups.setdefault((row.member_id, row[4]), []).append(row)
    assert len(groups) >= 12
    for key, group in groups.items():
        assert group[0].first_in_quarter, f"{key}: the first event by id is not marked"
        earliest = min(r.occurred_at for r in group)
        assert any(r.first_in_quarter for r in group if r.occurred_at == earliest), f"{key}: earliest not marked"
    assert sum(r.first_in_quarter for r in rows) < len(rows) / 2


def test_the_readers_find_the_same_through_the_marked_rows_as_through_every_row(database_url):
    room = new_room()
    for batch in _session(room, seed=12):
        store_batch(room, batch)
    period = {"r": room, "a": START + timedelta(seconds=QUARTER_S), "b": START + timedelta(seconds=2 * QUARTER_S)}
    with transaction() as conn:
        for marked in ("TRUE", "first_in_quarter"):
            viewers = conn.execute(text(
                f"SELECT array_agg(DISTINCT member_id) FROM room_event WHERE room_id = :r AND member_id IS NOT NULL "
                f"AND occurred_at >= :a AND occurred_at < :b AND {marked}"), period).scalar()
            first_seen = conn.execute(text(
                f"SELECT member_id, min(occurred_at) FROM room_event WHERE room_id = :r AND {marked} "
                f"AND member_id IS NOT NULL GROUP BY 1 ORDER BY 1"), period).all()
            earlier = conn.execute(text(  # the newcomer check: for each event, did its member have one before?
                f"SELECT e.id FROM room_event e WHERE e.room_id = :r AND e.member_id IS NOT NULL AND EXISTS "
                f"(SELECT 1 FROM room_event b WHERE b.room_id = :r AND b.member_id = e.member_id AND b.id < e.id "
                f"AND {marked.replace('first', 'b.first')}) ORDER BY 1"), period).scalars().all()
            if marked == "TRUE":
                every_row = (sorted(viewers), first_seen, earlier)
        assert (sorted(viewers), first_seen, earlier) == every_row
        assert len(every_row[0]) >= 3 and len(every_row[2]) > 50
