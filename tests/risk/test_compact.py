"""Merging old 10-minute buckets into hourly ones changes no served feature, and 24 h windows start at
an hour edge on both sides (training and serving) over a log longer than a day."""

import random
from datetime import datetime, timedelta, timezone

import numpy as np
from sqlalchemy import text

from activities.risk_aggregates import fold
from activities.risk_compact import compact_if_due, merge_chunk, mergeable_before
from activities.risk_sim import write_events
from core.db import transaction
from domain.risk.features import BUCKET_MS, HOUR, EventLog, FeatureSpec, compute
from models.risk_base import GrantRequest
from queries.risk import window_events
from risk.live_features import request_entities
from risk.scorer import features_for
from simulator.attackers import SimEvent
from tests.conftest import unique

TYPES = ["heartbeat", "heartbeat", "comment", "like", "enter", "leave", "order_paid", "share"]


def _viewers(tag: str, start: datetime, hours: int) -> list[SimEvent]:
    rng, events = random.Random(11), []
    for v in range(4):
        member, device, ip = f"{tag}-m{v}", f"{tag}-d{v % 3}", f"100.100.{v % 2}.{v + 1}"
        at = start + timedelta(minutes=rng.uniform(0, 20))
        while at < start + timedelta(hours=hours):
            events.append(SimEvent(f"{tag}-room", rng.choice(TYPES), member, device, ip, at, "genuine"))
            at += timedelta(minutes=rng.uniform(4, 15))
    return events


def _bucket_rows(conn, tag: str) -> list[tuple[str, int]]:
    return conn.execute(text("SELECT entity, bucket FROM risk_agg_bucket "
                             "WHERE entity LIKE :t OR entity LIKE '100.100.%'"), {"t": f"{tag}-%"}).all()


def _served_and_trained(conn, grants, at: datetime, since: datetime) -> tuple[np.ndarray, np.ndarray]:
    at_ms = int(at.timestamp() * 1000)
    keys = {role: np.array(v, dtype=object) for role, v in request_entities(grants).items()}
    keys["room"] = np.array([g.room_id for g in grants], dtype=object)
    queries = EventLog(t_ms=np.full(len(grants), at_ms, dtype=np.int64),
                       etype=np.array(["grant"] * len(grants), dtype=object), keys=keys)
    trained = compute(window_events(conn, since=since, until=at + timedelta(days=1)), queries, FeatureSpec())
    return features_for(conn, grants, at, FeatureSpec()), trained


def test_merged_hours_serve_the_same_features_as_training(conn):
    tag = unique("compact")
    start = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(days=60)
    events = _viewers(tag, start, hours=28)
    at = max(e.occurred_at for e in events) + timedelta(minutes=3)
    at += timedelta(minutes=(35 - at.minute) % 60)  # 10-minute and hour edges apart: the 24 h windows differ
    write_events(conn, events)
    conn.execute(text(
        "INSERT INTO risk_decision (reference, kind, member_id, device_id, ip, room_id, decision, status, "
        "model_version, hold_above, deny_above, created_at) "
        "SELECT 't', 'coupon', m, '', '', '', 'allow', 'allowed', 't', 0.7, 0.95, a "
        "FROM unnest(CAST(:m AS text[]), CAST(:a AS timestamptz[])) AS x(m, a)"),
        {"m": [f"{tag}-m{i % 4}" for i in range(40)], "a": [start + timedelta(minutes=41 * i) for i in range(40)]})
    assert -1 not in fold(conn, lag_ms=0).values()
    grants = [GrantRequest(kind="coupon", member_id=f"{tag}-m{v}", device_id=f"{tag}-d{v % 3}",
                           ip=f"100.100.{v % 2}.{v + 1}", room_id=f"{tag}-room") for v in range(4)]
    since = start - timedelta(days=1)

    served, trained = _served_and_trained(conn, grants, at, since)
    names = FeatureSpec().names()
    assert np.allclose(served, trained, atol=2e-6), {n: (s, t) for n, s, t in zip(names, served.T, trained.T)
                                                     if not np.allclose(s, t, atol=2e-6)}
    day = dict(zip(names, served.T))
    # the log is longer than the window: 24 h counts leave out what came before floor(at, 1 h) - 24 h
    total = np.array([sum(e.member_id == g.member_id for e in events) for g in grants])
    assert (0 < day["member_events_24h"]).all() and (day["member_events_24h"] < total).all()
    assert (day["member_grants_24h"] > 0).all()

    at_ms = int(at.timestamp() * 1000)
    before = mergeable_before(at_ms)
    assert before % HOUR == 0 and at_ms - at_ms % BUCKET_MS - before >= 2 * HOUR
    rows = _bucket_rows(conn, tag)
    merged = 0
    while (done := merge_chunk(conn, now_ms=at_ms, limit=300)) > 0:  # in chunks, until nothing is left
        merged += done
    after = _bucket_rows(conn, tag)
    assert merged > 0 and len(after) < len(rows) / 3
    assert all(b % HOUR == 0 for _, b in after if b < before)  # closed hours are one row each
    assert any(b % HOUR != 0 for _, b in after if b >= before)  # the last hours keep 10-minute rows
    again, _ = _served_and_trained(conn, grants, at, since)
    assert np.array_equal(again, served)

    # a late event in a merged hour: summed beside the hourly row at once, merged on the next run
    late = SimEvent(f"{tag}-room", "like", f"{tag}-m0", f"{tag}-d0", "100.100.0.1",
                    datetime.fromtimestamp((before - HOUR + 25 * 60_000) / 1000, timezone.utc), "genuine")
    write_events(conn, [late])
    assert -1 not in fold(conn, lag_ms=0).values()
    served, trained = _served_and_trained(conn, grants, at, since)
    assert np.allclose(served, trained, atol=2e-6)
    assert served[0][names.index("member_events_24h")] == again[0][names.index("member_events_24h")] + 1
    assert merge_chunk(conn, now_ms=at_ms, limit=300) == 4  # its device, IP, network and member rows
    assert all(b % HOUR == 0 for _, b in _bucket_rows(conn, tag) if b < before)
    assert np.array_equal(_served_and_trained(conn, grants, at, since)[0], served)


def test_the_scheduled_merge_runs_in_chunks_and_waits_its_interval(database_url):
    device, now = unique("merge-dev"), datetime.now(timezone.utc)
    old = now - timedelta(hours=5)
    old -= timedelta(minutes=old.minute % 60 - 5, seconds=old.second)  # 5 past an hour: three of its 10-minute buckets
    with transaction() as conn:
        write_events(conn, [SimEvent("merge-room", "like", unique("m"), device, "10.6.6.6",
                                     old + timedelta(minutes=m), "t") for m in (0, 12, 31, 47)]
                     + [SimEvent("merge-room", "like", unique("m"), device, "10.6.6.6", now - timedelta(minutes=m), "t")
                        for m in (1, 15)])
        fold(conn, lag_ms=0)
    buckets = "SELECT bucket, events FROM risk_agg_bucket WHERE kind = 'device' AND entity = :d ORDER BY bucket"

    def rows():
        with transaction() as conn:
            return [tuple(r) for r in conn.execute(text(buckets), {"d": device})]

    assert len(rows()) >= 5
    assert compact_if_due(every_s=0, limit=2) > 0  # small chunks: the loop goes on until done
    hour = int(old.timestamp() * 1000) // HOUR * HOUR
    merged = rows()
    assert merged[0] == (hour, 4) and all(b > hour + HOUR for b, _ in merged[1:])  # the recent ones stay apart
    assert sum(n for _, n in merged) == 6
    with transaction() as conn:
        write_events(conn, [SimEvent("merge-room", "like", unique("m"), device, "10.6.6.6",
                                     old + timedelta(minutes=20), "t")])
        fold(conn, lag_ms=0)
    assert compact_if_due(every_s=3600) == 0  # merged a moment ago: not due, the late row waits
    assert len(rows()) == len(merged) + 1
