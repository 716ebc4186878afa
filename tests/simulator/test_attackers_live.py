"""Attackers as simulator Behaviours: labeled, sharing what they share, and what a naive campaign
would have granted them."""

import random
from collections import Counter
from datetime import datetime, timezone

from simulator import DEFAULT_BEHAVIOURS, SessionConfig, simulate
from simulator.attackers_crowd import live_crowd, naive_grants, _events
from simulator.attackers_live import ATTACKS, attackers


def test_attackers_play_in_a_session_with_labels():
    cfg = SessionConfig(room_id="r1", viewers=300, duration_s=900, seed=5)
    session = simulate(cfg, behaviours=[*DEFAULT_BEHAVIOURS, *attackers("t1")])
    kinds = Counter(session.labels.values())
    assert all(kinds[a] > 0 for a in ATTACKS), kinds
    by_member = {e["member_id"]: e for e in session.events if e["member_id"]}
    farm = {by_member[m]["device_id"] for m, k in session.labels.items() if k == "device_farm"}
    assert len(farm) <= 4 < kinds["device_farm"]  # many accounts, a few phones
    proxies = {by_member[m]["ip"].rsplit(".", 1)[0] for m, k in session.labels.items() if k == "proxy_pool"}
    assert len(proxies) <= 2  # a couple of /24s
    churn = [e for e in session.events if session.labels.get(e["member_id"]) == "enter_leave_farm"]
    assert sum(e["type"] == "enter" for e in churn) >= 10 * kinds["enter_leave_farm"]


def test_naive_campaign_grants_checkins_watch_minutes_and_one_coupon_per_member():
    cfg = SessionConfig(room_id="r1", viewers=200, duration_s=900, seed=5)
    events = _events(simulate(cfg, behaviours=[*DEFAULT_BEHAVIOURS, *attackers("t2")]), "t2")
    grants = naive_grants(events, cfg)
    coupons = Counter(g.member_id for g in grants if g.kind == "coupon")
    assert coupons and max(coupons.values()) == 1
    churn = sum(g.value for g in grants if g.actor == "enter_leave_farm")
    assert churn > sum(g.value for g in grants if g.actor == "genuine" and g.kind == "campaign_points") / 10


def test_hunters_hop_rooms_with_one_account():
    crowd = live_crowd(random.Random(1), [f"r{i}" for i in range(12)], datetime(2026, 1, 1, tzinfo=timezone.utc),
                       60, "t3", genuine=200)
    rooms = {}
    for g in crowd.grants:
        if g.actor == "coupon_hunter":
            rooms.setdefault(g.member_id, set()).add(g.room_id)
    assert max(len(r) for r in rooms.values()) >= 2
    assert {g.actor for g in crowd.grants} == {"genuine", *ATTACKS}
