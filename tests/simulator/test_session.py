"""The simulated session's room-wide events reflect the session as it stood at their time."""

from collections import Counter
from datetime import datetime, timedelta, timezone

from domain.intake import split_batch
from simulator import SessionConfig, simulate


def test_each_rank_update_ranks_the_likes_so_far():
    session = simulate(SessionConfig(room_id="r", viewers=300, duration_s=900, seed=5,
                                     start=datetime(2026, 1, 1, 12, tzinfo=timezone.utc)))
    likes: Counter = Counter()
    updates = 0
    for e in session.events:  # in time order
        if e["type"] == "like":
            likes[e["member_id"]] += e["payload"]["count"]
        elif e["type"] == "rank_update":
            ranking = e["payload"]["ranking"]
            assert set(ranking) <= set(likes), "a fan ranked before any like of theirs"
            assert [likes[m] for m in ranking] == sorted((likes[m] for m in ranking), reverse=True)
            assert len(ranking) == min(10, len(likes))
            updates += 1
    assert updates >= 2 and likes


def test_every_simulated_event_passes_intake():
    session = simulate(SessionConfig(room_id="r", viewers=200, duration_s=600, seed=9,
                                     start=datetime(2026, 1, 1, 12, tzinfo=timezone.utc)))
    valid, refused = split_batch(session.events, room_id="r", now=datetime(2026, 1, 2, tzinfo=timezone.utc),
                                 max_future=timedelta(minutes=5))
    assert refused == [] and len(valid) == len(session.events)
