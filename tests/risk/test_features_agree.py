"""Training (batch over the whole log) and serving (a grant's entities from the database) agree."""

import random
from datetime import datetime, timedelta, timezone

import numpy as np

from activities.risk_sim import write_events
from domain.risk.features import FeatureSpec, compute
from models.risk_base import GrantRequest
from queries.risk import window_events
from risk.scorer import features_for
from simulator.attackers import DeviceFarm, EnterLeaveFarm, GenuineViewers, ProxyPool, SimEvent, simulate
from tests.conftest import unique


def test_batch_and_serving_features_are_the_same(conn):
    rng, tag = random.Random(5), unique("agree")
    start = datetime.now(timezone.utc) - timedelta(hours=2)
    crowd = simulate(rng, [f"{tag}-r1", f"{tag}-r2"], start, 30, tag,
                     [GenuineViewers(20), DeviceFarm(12, 2), ProxyPool(6), EnterLeaveFarm(2)])
    # IPv6 and a /64 shared by two members, and an address that is not one
    crowd.events += [SimEvent(f"{tag}-r1", "enter", f"{tag}-v6-{i}", f"{tag}-v6d", f"2001:db8:1:2::{i + 1}",
                              start + timedelta(minutes=i), "genuine") for i in range(2)]
    crowd.events.append(SimEvent(f"{tag}-r1", "like", f"{tag}-odd", f"{tag}-odd", "not-an-ip", start, "genuine"))
    write_events(conn, crowd.events)

    spec = FeatureSpec()
    log = window_events(conn, since=start - timedelta(days=2), until=datetime.now(timezone.utc))
    batch = compute(log, log, spec)
    ours = np.flatnonzero(np.char.startswith(log.keys["member"].astype(str), tag))
    sample = np.random.default_rng(1).choice(ours, size=60, replace=False)
    members = log.keys["member"].astype(str)
    odd_ones = np.flatnonzero(np.char.startswith(members, f"{tag}-v6") | (members == f"{tag}-odd"))
    sample = np.concatenate([sample, odd_ones])
    for i in sample:
        at = datetime.fromtimestamp(int(log.t_ms[i]) / 1000, tz=timezone.utc)
        request = GrantRequest(kind="campaign_points", member_id=log.keys["member"][i], device_id=log.keys["device"][i],
                               ip=log.keys["ip"][i], room_id=log.keys["room"][i])
        serving = features_for(conn, [request], at, spec)[0]
        assert np.allclose(serving, batch[i], rtol=1e-9, atol=1e-6), \
            {n: (s, b) for n, s, b in zip(spec.names(), serving, batch[i]) if not np.isclose(s, b)}
    assert batch[ours].max(axis=0)[spec.names().index("device_accounts_1h")] >= 6  # the farm is visible
    v6 = np.flatnonzero(log.keys["member"].astype(str) == f"{tag}-v6-1")[0]
    assert log.keys["network"][v6] == "2001:db8:1:2::/64"
    assert batch[v6][spec.names().index("network_accounts_1h")] == 2
