"""Training (the batch feature code over the whole log) and serving (running aggregates, in the
database's tables or in a worker's memory) give the same features.

Serving answers "as of now", so the test replays time: at each checkpoint only the events and
decisions up to it exist in the database, the aggregates are folded incrementally, and the served
features of a sample of grants are compared with `compute` over the complete log at the same
moments (which must ignore everything later). The timeline lies in the future so no other test's
events are later than a checkpoint.
"""

import random
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from sqlalchemy import text

from activities.risk_aggregates import fold
from core.db import transaction
from activities.risk_sim import write_events
from domain.risk.features import DISTINCT_CAP, EventLog, FeatureSpec, compute
from models.risk_base import GrantRequest
from queries.risk import window_events
from queries.risk_aggregates import PAIRS_READ
from risk.live_features import request_entities
from risk.memory_follow import follower
from risk.scorer import features_for
from simulator.attackers import (CommentSpam, DeviceFarm, EnterLeaveFarm, GenuineViewers, ProxyPool, SimEvent,
                                 simulate)
from tests.conftest import unique


def _decisions(conn, rows):  # (member, kind, at)
    conn.execute(text(
        "INSERT INTO risk_decision (reference, kind, member_id, device_id, ip, room_id, decision, status, "
        "model_version, hold_above, deny_above, created_at) "
        "SELECT 't', k, m, '', '', '', 'allow', 'allowed', 't', 0.7, 0.95, a "
        "FROM unnest(CAST(:m AS text[]), CAST(:k AS text[]), CAST(:a AS timestamptz[])) AS x(m, k, a)"),
        {"m": [r[0] for r in rows], "k": [r[1] for r in rows], "a": [r[2] for r in rows]})


def _queries(requests, at_ms):
    col = lambda v: np.array(v, dtype=object)  # noqa: E731
    keys = {role: col(v) for role, v in request_entities(requests).items()}
    keys["room"] = col([r.room_id for r in requests])
    return EventLog(t_ms=np.full(len(requests), at_ms, dtype=np.int64), etype=col(["grant"] * len(requests)), keys=keys)


@pytest.mark.parametrize("aggregates", ["database", "memory"])
def test_batch_and_serving_features_are_the_same(conn, aggregates):
    rng, tag = random.Random(5), unique("agree")
    # days apart: the memory's events are committed, and must not fall in the other's windows
    start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=40 if aggregates == "database" else 45)
    crowd = simulate(rng, [f"{tag}-r1", f"{tag}-r2"], start, 40, tag,
                     [GenuineViewers(20), DeviceFarm(12, 2), ProxyPool(6), EnterLeaveFarm(2), CommentSpam(5)])
    # IPv6 and a /64 shared by two members, and an address that is not one
    crowd.events += [SimEvent(f"{tag}-r1", "enter", f"{tag}-v6-{i}", f"{tag}-v6d", f"2001:db8:1:2::{i + 1}",
                              start + timedelta(minutes=i), "genuine") for i in range(2)]
    crowd.events.append(SimEvent(f"{tag}-r1", "like", f"{tag}-odd", f"{tag}-odd", "not-an-ip", start, "genuine"))
    # a /24 busier than the distinct-count cap: both sides stop counting at DISTINCT_CAP; serving reads its
    # pairs one count at a time once they pass PAIRS_READ (after 50 minutes)
    crowd.events += [SimEvent(f"{tag}-r2", "enter", f"{tag}-nat-{i}", f"{tag}-natd-{i}", f"198.51.100.{i % 250 + 1}",
                              start + timedelta(seconds=10 * i), "genuine") for i in range(PAIRS_READ + 20)]
    # a viewer whose app only ever sent player heartbeats (the enter was lost): still first seen at 3 min
    crowd.events += [SimEvent(f"{tag}-r1", "heartbeat", f"{tag}-hb-only", f"{tag}-hbd", "203.0.113.7",
                              start + timedelta(minutes=3 + i), "genuine") for i in range(0, 60, 2)]
    members = sorted({e.member_id for e in crowd.events})
    decisions = [(m, rng.choice(["coupon", "campaign_points", "order_points"]),
                  start + timedelta(seconds=rng.uniform(0, 2400))) for m in rng.sample(members, 20) for _ in range(3)]
    # the last ones let the first minutes leave the hour: distinct counts must slide the same way
    checkpoints = [start + timedelta(minutes=m, milliseconds=0.5) for m in (12, 27, 41, 61.5, 64, 67)]
    grants = [GrantRequest(kind="campaign_points", member_id=e.member_id, device_id=e.device_id, ip=e.ip,
                           room_id=e.room_id) for e in rng.sample(crowd.events, 60)]
    grants += [GrantRequest(kind="coupon", member_id=m, device_id=f"{tag}-v6d", ip="2001:db8:1:2::9")
               for m in members[:3]]
    grants += [GrantRequest(kind="coupon", member_id=f"{tag}-nat-0", device_id=f"{tag}-natd-0", ip="198.51.100.1")]
    grants += [GrantRequest(kind="coupon", member_id=f"{tag}-hb-only", device_id=f"{tag}-hbd", ip="203.0.113.7")]
    grants += [GrantRequest(kind="coupon", member_id=f"{tag}-odd", device_id=f"{tag}-odd", ip="not-an-ip"),
               GrantRequest(kind="coupon", member_id=f"{tag}-nobody")]

    spec, served, moments, written = FeatureSpec(), [], [], start - timedelta(days=1)
    for at in checkpoints:  # the database only ever holds the past
        if aggregates == "database":  # folded in this transaction
            write_events(conn, [e for e in crowd.events if written < e.occurred_at <= at])
            _decisions(conn, [d for d in decisions if written < d[2] <= at])
            assert -1 not in fold(conn, lag_ms=0).values()
            served.append(features_for(conn, grants, at, spec))
        else:  # committed, as intake and grants leave them, then followed by this process's memory
            with transaction() as own:
                write_events(own, [e for e in crowd.events if written < e.occurred_at <= at])
                _decisions(own, [d for d in decisions if written < d[2] <= at])
            served.append(features_for(conn, grants, at, spec, memory=follower()))
        moments.append(int(at.timestamp() * 1000))
        written = at

    log = window_events(conn, since=start - timedelta(days=2), until=checkpoints[-1] + timedelta(days=1))
    for at_ms, serving in zip(moments, served):
        batch = compute(log, _queries(grants, at_ms), spec)
        assert np.allclose(serving, batch, rtol=1e-9, atol=2e-6), \
            [{n: (s, b) for n, s, b in zip(spec.names(), srow, brow) if not np.isclose(s, b, atol=2e-6)}
             for srow, brow in zip(serving, batch)]
    last = dict(zip(spec.names(), served[2].T))  # at 41 minutes, everything still in the hour
    assert last["device_accounts_1h"].max() >= 6  # the farm is visible
    assert last["member_comment_accounts_1h"].max() >= 5  # the spam ring's one text
    assert (last["member_grant_order_share"] >= 0).any() and (last["member_grants_24h"] > 0).any()
    assert (last["member_regularity"] >= 0).any() and (last["member_age_s"] > 0).any()
    v6 = grants.index(next(g for g in grants if g.ip == "2001:db8:1:2::9"))
    assert last["network_accounts_1h"][v6] == 2
    hb_only = grants.index(next(g for g in grants if g.ip == "203.0.113.7"))
    assert last["member_age_s"][hb_only] == 38 * 60 and last["member_heartbeats_1h"][hb_only] == 20
    nat = grants.index(next(g for g in grants if g.ip == "198.51.100.1"))
    assert last["network_accounts_1h"][nat] == DISTINCT_CAP
