"""Risk scoring speed: one grant at a time (p50/p99 ms) and batches (grants and entities per second).

    python -m bench.risk_scoring
    python -m bench.risk_scoring --history-hours 24   # entities with a day of aggregates, as in production

    python -m bench.risk_scoring --aggregates database   # the aggregate tables instead of the worker's memory

Seeds a simulated hour of rooms with labeled attackers, folds them into the running aggregates
(fold_s: in memory, a starting worker's replay; in the database, one set-wise fold),
trains and promotes a classifier on it (labels as confirmed rings), then scores through
get_scorer() exactly as settlement and campaigns do: inside a transaction, the fold of whatever is
new (each call's own earlier decisions), features from the aggregates, the model, the decision
rows written.

Entities: a grant names up to four (device, IP, its /24 or /64 network, member). batch_entities_per_s
counts the DISTINCT entities whose aggregates a batch read, per second of scoring; batch_per_s
counts grants. Both are reported because "entities/s" can mean either. Those two are one caller's
batches back to back; concurrent_* are BENCH_CALLERS callers (default: one per core) scoring at once,
as the worker's activity threads do, which is what the machine can score.
"""

import argparse
import asyncio
import gc
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import numpy as np
from sqlalchemy import text

from activities.risk_aggregates import fold
from activities.risk_compact import compact_if_due
from activities.risk_models import promote, train_from_database
from activities.risk_review import record_label
from activities.risk_sim import write_events
from bench.stack import bench_stack, emit
from core.db import get_engine, transaction
from core.gc_tuning import tune_gc
from core.settings import get_settings
from domain.risk.features import HOUR
from models.risk_agg import BUCKET_COUNTS
from models.risk_base import GrantRequest
from risk.live_features import distinct_entities, request_entities
from risk.memory_follow import follower
from risk.scorer import get_scorer
from simulator.attackers import everyone, simulate

SINGLE, BATCH, BATCHES = 400, 5000, 4
CALLERS = int(os.environ.get("BENCH_CALLERS", os.cpu_count() or 2))


async def main(history_hours: int, aggregates: str) -> None:
    get_settings().risk_aggregates = aggregates  # this process scores: its setting is the scorer's
    async with bench_stack():
        rng = random.Random(1)
        crowd = simulate(rng, [f"room-{i}" for i in range(12)], datetime.now(timezone.utc) - timedelta(minutes=61), 60,
                         "bench", everyone(genuine=3000))
        with transaction() as conn:
            write_events(conn, crowd.events)
            for e in {(e.member_id, e.actor) for e in crowd.events if e.actor != "genuine"}:
                record_label(conn, entity_kind="member", entity=e[0], label="fraud", source="ring", reference="bench")
        t = time.perf_counter()
        if aggregates == "memory":
            follower().catch_up()  # a starting worker's replay
        else:
            with transaction() as conn:
                fold(conn, lag_ms=0)
        fold_s = time.perf_counter() - t
        merged, bucket_index_mb = 0, None
        if aggregates == "database":
            merged = _older_history(history_hours)
            with transaction() as conn:
                bucket_index_mb = conn.execute(
                    text("SELECT pg_relation_size('risk_agg_bucket_pkey')")).scalar_one() >> 20
        t = time.perf_counter()
        with transaction() as conn:
            trained = train_from_database(conn, days=2, kind="classifier")
            promote(conn, trained.version, "bench")
        train_s = time.perf_counter() - t
        grants = [GrantRequest(kind=g.kind, member_id=g.member_id, device_id=g.device_id, ip=g.ip, room_id=g.room_id,
                               value=g.value, reference=g.reference) for g in crowd.grants]
        events = len(crowd.events)
        # The simulated hour is in the database now. Kept in memory, its 324,592 event objects made every
        # full garbage collection during scoring scan them (words alone: 94 ms a batch instead of 16 ms),
        # which a scoring service does not carry.
        del crowd
        gc.collect()
        tune_gc()  # the scorer runs in the worker, which collects this way (core/gc_tuning.py)
        scorer, latencies = get_scorer(), []
        for request in (grants * 2)[:SINGLE + 20]:
            with transaction() as conn:
                began = time.perf_counter()
                scorer.score(conn, [request])
                latencies.append(time.perf_counter() - began)
        latencies = np.array(latencies[20:]) * 1000  # first calls warm the cache
        people = sorted({(g.member_id, g.device_id, g.ip) for g in grants})
        elapsed, scored, entities = 0.0, 0, 0
        for b in range(BATCHES):
            batch = _batch(rng, people, f"serial:{b}")
            with transaction() as conn:
                began = time.perf_counter()
                scorer.score(conn, batch)
                elapsed += time.perf_counter() - began
            scored += len(batch)
            entities += _entities(batch)
        together = _concurrent(scorer, [[_batch(rng, people, f"caller{c}:{b}") for b in range(BATCHES)]
                                        for c in range(CALLERS)])
        emit({"aggregates": aggregates, "events": events, "fold_s": round(fold_s, 1),
              "fold_events_per_s": round(events / fold_s), "train_s": round(train_s, 1), "model": trained.version,
              "model_roc_auc": trained.metrics.get("roc_auc"), "single_grants": len(latencies),
              "single_p50_ms": round(float(np.percentile(latencies, 50)), 2),
              "single_p99_ms": round(float(np.percentile(latencies, 99)), 2),
              "history_hours": history_hours, "buckets_merged": merged, "bucket_index_mb": bucket_index_mb,
              "batch_size": BATCH, "batch_per_s": round(scored / elapsed),
              "batch_entities_per_s": round(entities / elapsed),
              **together})


def _older_history(hours: int) -> int:
    """Give every entity `hours` of buckets, as a day-long device, IP or network has: the simulated
    hour's buckets are repeated hours-1..2 hours back, oldest first, each hour merged into hourly rows
    (activities/risk_compact.py) and vacuumed before the next is added, as the schedule and autovacuum
    go through a day. (Adding the whole day at once and merging it after left the key's index 185 MB
    for 424,000 rows instead of ~50 MB: a merged hour's pages stay 1/6 full unless the entity's next
    rows come to fill them, as they do hour by hour.) The 10-minute rows merged."""
    merged = 0
    with transaction() as conn:
        first = conn.execute(text("SELECT min(bucket) FROM risk_agg_bucket")).scalar_one()
    counts = ", ".join(BUCKET_COUNTS)
    for back in range(hours - 1, 1, -1):
        with transaction() as conn:
            conn.execute(text(
                f"INSERT INTO risk_agg_bucket (kind, entity, bucket, {counts}) SELECT kind, entity, bucket - :back, "
                f"{counts} FROM risk_agg_bucket WHERE bucket >= :first ON CONFLICT DO NOTHING"),
                {"back": back * HOUR, "first": first})
        merged += compact_if_due(every_s=0)
        with get_engine().connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE risk_agg_bucket"))
    return merged


def _batch(rng: random.Random, people: list[tuple[str, str, str]], name: str) -> list[GrantRequest]:
    return [GrantRequest(kind="campaign_points", member_id=m, device_id=d, ip=ip, value=1,
                         reference=f"bench:{name}:{i}")
            for i, (m, d, ip) in enumerate(rng.choices(people, k=BATCH))]


def _entities(batch: list[GrantRequest]) -> int:
    """Distinct entities whose aggregates the batch reads, counted as the scorer collects them."""
    return len(distinct_entities(request_entities(batch))[1])


def _concurrent(scorer, per_caller: list[list[list[GrantRequest]]]) -> dict:
    """Callers scoring batches at the same time, each in its own transaction, as the worker's activity
    threads do (one per core by default): what the machine scores, rather than what one caller waits for."""
    def run(batches: list[list[GrantRequest]]) -> None:
        for batch in batches:
            with transaction() as conn:
                scorer.score(conn, batch)

    began = time.perf_counter()
    with ThreadPoolExecutor(len(per_caller)) as pool:
        list(pool.map(run, per_caller))
    elapsed = time.perf_counter() - began
    batches = [b for caller in per_caller for b in caller]
    return {"concurrent_callers": len(per_caller), "concurrent_batch_per_s": round(sum(map(len, batches)) / elapsed),
            "concurrent_entities_per_s": round(sum(map(_entities, batches)) / elapsed)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--history-hours", type=int, default=1,
                        help="hours of aggregates per entity (beyond 1: the simulated hour's buckets repeated "
                             "further back, then merged into hourly rows as the scheduled fold does; "
                             "with --aggregates database)")
    parser.add_argument("--aggregates", choices=["memory", "database"], default=get_settings().risk_aggregates,
                        help="where the scorer's running aggregates live (LIVEPERKS_RISK_AGGREGATES)")
    args = parser.parse_args()
    if args.history_hours > 1 and args.aggregates != "database":
        parser.error("--history-hours repeats rows of the aggregate tables: use it with --aggregates database")
    asyncio.run(main(args.history_hours, args.aggregates))
