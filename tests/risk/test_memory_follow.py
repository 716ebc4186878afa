"""A worker's memory of the risk aggregates follows the database: ids committed out of order, a
restart, old entries dropped. (That its numbers are the batch features': test_features_agree.py.)"""

from datetime import datetime, timedelta, timezone

import numpy as np
from sqlalchemy import text

from activities.risk_sim import write_events
from core.db import get_engine, transaction
from domain.risk.features import RECENT_ACTS
from risk.memory_aggregates import AggregateMemory
from risk.memory_follow import MemoryFollower
from simulator.attackers import SimEvent
from tests.conftest import unique


def _like(member: str, device: str, at: datetime) -> SimEvent:
    return SimEvent("memory-room", "like", member, device, "10.4.4.4", at, "t")


def _id_of(conn, device: str) -> int:
    return conn.execute(text("SELECT min(id) FROM room_event WHERE device_id = :d"), {"d": device}).scalar_one()


def _events_of(follower: MemoryFollower, device: str) -> float:
    at_ms = int(datetime.now(timezone.utc).timestamp() * 1000)
    return follower.read(["device"], [device], at_ms)["events_24h"][0]


def test_an_id_committed_after_a_later_one_is_still_folded(database_url):
    follower, device, now = MemoryFollower(), unique("late"), datetime.now(timezone.utc)
    follower.catch_up()
    with get_engine().connect() as slow:  # intake of one room, still open
        tx = slow.begin()
        write_events(slow, [_like(unique("m"), device, now)])
        late = _id_of(slow, device)
        with transaction() as fast:  # another room's, committed first with a later id
            write_events(fast, [_like(unique("m"), device, now)])
        assert _events_of(follower, device) == 1
        assert late in follower.holes["room_event"]
        tx.commit()
    assert _events_of(follower, device) == 2
    assert late not in follower.holes["room_event"]
    assert _events_of(follower, device) == 2  # folded once


def test_a_rolled_back_id_is_given_up_after_the_wait(database_url, monkeypatch):
    from core.settings import get_settings

    follower, device, now = MemoryFollower(), unique("gone"), datetime.now(timezone.utc)
    follower.catch_up()
    with get_engine().connect() as failed:
        tx = failed.begin()
        write_events(failed, [_like(unique("m"), device, now)])
        lost = _id_of(failed, device)
        with transaction() as fast:
            write_events(fast, [_like(unique("m"), device, now)])
        follower.catch_up()
        tx.rollback()
    follower.catch_up()
    assert lost in follower.holes["room_event"]
    monkeypatch.setattr(get_settings(), "risk_memory_hole_wait_s", -1)
    follower.catch_up()
    assert lost not in follower.holes["room_event"] and _events_of(follower, device) == 1


def test_a_restarted_worker_replays_the_day_and_keeps_account_ages(database_url):
    member, device, now = unique("old-fan"), unique("d"), datetime.now(timezone.utc)
    with transaction() as conn:
        write_events(conn, [_like(member, device, now - timedelta(days=3)),
                            _like(member, device, now - timedelta(hours=2)),
                            _like(member, device, now - timedelta(minutes=1))])
    restarted = MemoryFollower()
    at_ms = int(now.timestamp() * 1000)
    got = restarted.read(["member", "device"], [member, device], at_ms)
    assert list(got["events_24h"]) == [2, 2]  # the day's events, not the one three days back
    first_ms = int((now - timedelta(days=3)).timestamp() * 1000)
    assert got["first_ms"][0] == first_ms  # first seen three days ago, not two hours ago
    assert got["recent_acts"][1][0] == at_ms - 60_000


def test_prune_drops_old_windows_but_never_a_members_first_sighting():
    memory, hour = AggregateMemory(), 3_600_000
    t0 = 1_000 * hour
    memory.fold_events([(1, t0, "like", "m1", "d1", "10.0.0.1", "r", ""),
                        (2, t0 + 50 * hour, "comment", "m2", "d2", "10.0.0.2", "r", "hello")])
    dropped = memory.prune(t0 + 48 * hour)
    assert dropped > 0
    got = memory.read(["member", "device", "member", "device"], ["m1", "d1", "m2", "d2"], t0 + 50 * hour)
    assert list(got["events_24h"]) == [0, 0, 1, 1]
    assert got["first_ms"][0] == t0  # m1's age goes on
    assert "d1" not in memory.entities["device"] and "d2" in memory.entities["device"]
    assert ("member", "m1") not in memory.pairs and got["comment_accounts_1h"][2] == 1


def test_with_a_thread_catching_up_a_read_takes_what_is_folded_without_waiting(database_url):
    follower, device, now = MemoryFollower(), unique("bg"), datetime.now(timezone.utc)
    follower.in_background = True
    assert _events_of(follower, device) == 0 and follower.replayed  # the first read waits for the replay
    with transaction() as conn:
        write_events(conn, [_like(unique("m"), device, now)])
    assert _events_of(follower, device) == 0  # the thread has not caught up yet
    follower.catch_up()  # as the thread does
    assert _events_of(follower, device) == 1


def test_a_viewers_next_heartbeats_count_as_the_first_did():
    """The shortcut for a viewer's next heartbeat in the same bucket and grain gives what the full fold gives."""
    minute, viewer = 60_000, ("m", "d", "10.1.2.3", "r")
    rows = [(i, 1_000 * 3_600_000 + i * 20_000, "heartbeat", *viewer, "") for i in range(40)]  # 13 minutes
    rows.insert(5, (99, rows[4][1] - 3 * minute, "heartbeat", *viewer, ""))  # late, from an earlier grain
    shortcut, full = AggregateMemory(), AggregateMemory()
    shortcut.fold_events(rows)
    for row in rows:
        full.fold_events([row])
        full.watching.clear()  # never the shortcut
    at = rows[-1][1]
    kinds, entities = ["member", "device", "ip", "network"], ["m", "d", "10.1.2.3", "10.1.2.0/24"]
    a, b = shortcut.read(kinds, entities, at), full.read(kinds, entities, at)
    for name in a:
        assert np.array_equal(a[name], b[name], equal_nan=True), name
    assert list(a["events_24h"]) == [41] * 4 and list(a["heartbeats_1h"]) == [41] * 4
    assert a["first_ms"][0] == rows[5][1] and shortcut.pairs == full.pairs


def test_a_viewers_next_likes_and_comments_count_as_the_first_did():
    """The shortcut for a viewer's next action (a like, a comment, an order) gives what the full fold gives:
    counts, last actions (late ones into their place, at most RECENT_ACTS), the latest comment, pairs."""
    minute, hour = 60_000, 3_600_000
    viewer, other = ("m", "d", "10.1.2.3", "r"), ("m2", "d2", "10.1.2.9", "r")  # one network
    kinds = ["heartbeat", "like", "comment", "heartbeat", "order_paid", "like", "enter", "share", "leave"]
    rows = []
    for i in range(60):  # 20 minutes: buckets and grains change under the viewers
        kind, who = kinds[i % len(kinds)], (viewer if i % 4 else other)
        rows.append((i, 1_000 * hour + i * 20_000, kind, *who, f"want {i % 3}" if kind == "comment" else ""))
    rows.insert(30, (98, rows[29][1] - 2 * minute, "like", *viewer, ""))  # late, in the same grain
    rows.insert(40, (99, rows[39][1] - 7 * minute, "comment", *viewer, "late"))  # late, an earlier bucket
    shortcut, full = AggregateMemory(), AggregateMemory()
    shortcut.fold_events(rows)
    for row in rows:
        full.fold_events([row])
        full.watching.clear()  # never the shortcut
    assert shortcut.entities == full.entities and shortcut.pairs == full.pairs
    assert shortcut.buckets == full.buckets and shortcut.presence == full.presence
    acts = list(shortcut.entities["device"]["d"][1])
    assert len(acts) == RECENT_ACTS and acts == sorted(acts, reverse=True)
    network = shortcut.read(["network"], ["10.1.2.0/24"], rows[-1][1])
    assert network["events_24h"][0] == len(rows)


def test_a_new_grain_moves_every_viewers_pairs_as_the_full_fold_does():
    """At a pair-grain edge inside a bucket, each viewer's pairs move through the dicts its entry keeps: after
    every row (a prune between) the pairs and presence are the full fold's, and they did move."""
    minute, hour = 60_000, 3_600_000
    viewers = [(f"m{i}", f"d{i}", f"10.1.{i % 3}.{i}", "r") for i in range(6)]  # IPs and networks shared
    start = 1_000 * hour + 2 * minute  # 3 minutes before a grain edge, 8 before a bucket edge
    rows = [(i, start + i * 15_000, "heartbeat" if i % 5 else "like", *viewers[i % len(viewers)], "")
            for i in range(60)]  # 15 minutes
    shortcut, full = AggregateMemory(), AggregateMemory()
    moved = set()
    for i, row in enumerate(rows):
        if i == 40:  # 12 minutes past: every pair so far (at most at the 10-minute grain) goes
            for memory in (shortcut, full):
                memory.prune(row[1] - minute)
            assert not shortcut.pairs
        shortcut.fold_events([row])
        full.fold_events([row])
        full.watching.clear()  # never the shortcut
        assert shortcut.pairs == full.pairs and shortcut.presence == full.presence, i
        moved.add(shortcut.pairs[("member", row[3])]["room"]["r"])
    assert len(moved) == 4  # grains at 0, 5, 10 and 15 minutes: the rows run from 2 to 17


def test_every_pair_time_and_bucket_key_of_one_edge_is_one_object_until_pruned():
    """Rows make their own ints; the fold keeps one per bucket and grain edge, so the millions of stored times
    share a few (memory, and a read's scan of a network's accounts stays in cache)."""
    minute, hour = 60_000, 3_600_000
    start = 1_000 * hour
    rows = [(i, start + i * 7_001, "comment" if i % 4 == 0 else "heartbeat", f"m{i % 9}", f"d{i % 9}",
             f"10.1.0.{i % 9}", "r", "want" if i % 4 == 0 else "") for i in range(200)]  # 23 minutes
    memory = AggregateMemory()
    memory.fold_events(rows)
    times = [t for by_kind in memory.pairs.values() for last in by_kind.values() for t in last.values()]
    times += list(memory.presence.values()) + [b for per in memory.buckets["member"].values() for b in per]
    assert len({id(t) for t in times}) == len(set(times)) == 4  # the buckets at 0 and 10 minutes, the latest grains
    assert sorted(memory.edges) == [start + m * minute for m in (0, 5, 10, 15, 20)]
    memory.prune(start + 12 * minute)
    assert sorted(memory.edges) == [start + 15 * minute, start + 20 * minute]


def test_a_range_of_ids_with_gaps_does_not_end_the_catch_up(database_url, monkeypatch):
    from core.settings import get_settings

    follower, device, now = MemoryFollower(), unique("gaps"), datetime.now(timezone.utc)
    follower.catch_up()
    monkeypatch.setattr(get_settings(), "risk_memory_follow_rows", 3)  # ids read per range, once replayed
    with transaction() as conn:
        write_events(conn, [_like(unique("m"), device, now) for _ in range(2)])
        conn.execute(text("SELECT setval(pg_get_serial_sequence('room_event', 'id'), "
                          "nextval(pg_get_serial_sequence('room_event', 'id')) + 10)"))
        write_events(conn, [_like(unique("m"), device, now) for _ in range(2)])
    assert _events_of(follower, device) == 4


def test_between_chunks_runs_after_each_folded_chunk_with_the_memory_unlocked():
    """The child process answers reads there (risk/memory_process.py): the lock must be free."""
    from risk.memory_follow import FOLD_CHUNK

    follower, folded, calls = MemoryFollower(), [], []
    follower.between_chunks = lambda: calls.append((len(folded), follower.lock.locked()))
    follower._fold(folded.extend, list(range(2 * FOLD_CHUNK + 1)))
    assert calls == [(FOLD_CHUNK, False), (2 * FOLD_CHUNK, False), (2 * FOLD_CHUNK + 1, False)]


def test_once_replayed_it_reads_small_ranges_so_a_scoring_read_never_waits_for_a_big_one(database_url, monkeypatch):
    """The child answers reads only between the ranges it fetches (and the chunks it folds): following the
    tables it fetches risk_memory_follow_rows ids at a time, while the replay takes big ranges."""
    from core.settings import get_settings

    follower, device, now = MemoryFollower(), unique("small"), datetime.now(timezone.utc)
    follower.catch_up()  # the replay
    monkeypatch.setattr(get_settings(), "risk_memory_follow_rows", 2)
    with transaction() as conn:
        write_events(conn, [_like(unique("m"), device, now) for _ in range(6)])
    answered = []
    follower.between_chunks = lambda: answered.append(follower.lock.locked())
    assert follower.catch_up() >= 6 and _events_of(follower, device) == 6
    assert len(answered) >= 3 and not any(answered)  # a chance to answer after each range of 2
