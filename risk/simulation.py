"""Play the simulator's labeled crowd through the real scorer and count what was caught.

Events go into room_event in time order; each grant is scored at its own moment (grants in the same
second share one batch) with only the events up to then in the database, as a campaign scores it. Returns
per-actor value granted / held / denied.
"""

import random
from bisect import bisect_right
from dataclasses import dataclass
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from itertools import groupby

from sqlalchemy.engine import Connection

from activities.risk_aggregates import fold
from activities.risk_review import decide
from activities.risk_sim import write_events
from models.risk_base import Decision, GrantRequest
from risk.scorer import get_scorer
from simulator.attackers_crowd import live_crowd


# Folding before every second's grants costs more than the hour is worth to replay; the aggregates
# are folded every 10 simulated seconds instead, so features may miss the last few seconds (as with a
# fold schedule), and never see the future.
FOLD_EVERY = timedelta(seconds=10)

# The coupon-drop campaign is what hunters come for, so it runs a stricter per-campaign threshold: with
# the classifier, a fresh account that entered seconds ago without a player and typed the host's word
# (a hunter's first room) scored 0.11-0.30 over four seed pairs, genuine viewers' coupons 0.008-0.028.
COUPON_HOLD_ABOVE = 0.1


@dataclass
class Played:
    stats: dict  # actor -> counters
    held: list[tuple[int, str]]  # (decision id, actor) of held grants, for the review step


def play(conn: Connection, *, seed: int = 7, genuine: int = 300, minutes: int = 60, rooms: int = 12,
         start: datetime | None = None, tag: str | None = None) -> Played:
    rng = random.Random(seed)
    tag = tag or f"sim{rng.randrange(10**6)}"
    start = start or datetime.now(timezone.utc) - timedelta(minutes=minutes + 1)
    crowd = live_crowd(rng, [f"{tag}-room-{i}" for i in range(rooms)], start, minutes, tag, genuine=genuine)
    events = sorted(crowd.events, key=lambda e: e.occurred_at)
    times = [e.occurred_at for e in events]
    stats: dict = defaultdict(lambda: defaultdict(int))
    scorer, held, written, folded = get_scorer(), [], 0, None
    for second, group in groupby(crowd.grants, key=lambda g: g.at.replace(microsecond=0)):
        grants = list(group)
        # the scorer reads running aggregates "as of now": only the past may be in the database
        upto = bisect_right(times, second + timedelta(seconds=1), lo=written)
        write_events(conn, events[written:upto])
        written = upto
        if folded is None or second - folded >= FOLD_EVERY:  # as a fold schedule would, never the future
            fold(conn, lag_ms=0)
            folded = second
        requests = [GrantRequest(kind=g.kind, member_id=g.member_id, device_id=g.device_id, ip=g.ip,
                                 room_id=g.room_id, value=g.value, reference=g.reference,
                                 hold_above=COUPON_HOLD_ABOVE if g.kind == "coupon" else None) for g in grants]
        # its events are not committed yet: the tables, folded in this transaction, not a worker's memory
        verdicts = scorer.score(conn, requests, at=second + timedelta(seconds=1), fold_first=False,
                                aggregates="database")
        for g, verdict in zip(grants, verdicts):
            unit = "points" if g.kind == "campaign_points" else "coupon_fen"
            s = stats[g.actor]
            s[f"{unit}_asked"] += g.value
            s["grants"] += 1
            if verdict.decision == Decision.HOLD:
                held.append((verdict.decision_id, g.actor))
            if verdict.decision != Decision.ALLOW:
                s[f"{unit}_stopped"] += g.value
                s["grants_stopped"] += 1
                s[f"grants_{verdict.decision.value}"] += 1
    write_events(conn, events[written:])
    return Played({actor: dict(s) for actor, s in stats.items()}, held)


def review_truthfully(conn: Connection, held: list[tuple[int, str]]) -> int:
    """A reviewer who knows the truth: reject attackers (labels them fraud), approve genuine viewers."""
    for decision_id, actor in held:
        decide(conn, decision_id, approve=actor == "genuine", reviewer="simulation")
    return len(held)


def summary(stats: dict) -> dict:
    """Attackers' share of value stopped (points and coupons), genuine grants held or denied."""
    attack = [s for actor, s in stats.items() if actor != "genuine"]
    asked = sum(s.get("points_asked", 0) + s.get("coupon_fen_asked", 0) for s in attack)
    stopped = sum(s.get("points_stopped", 0) + s.get("coupon_fen_stopped", 0) for s in attack)
    pts_asked = sum(s.get("points_asked", 0) for s in attack)
    fen_asked = sum(s.get("coupon_fen_asked", 0) for s in attack)
    genuine = stats.get("genuine", {})
    return {"attacker_value_stopped": round(stopped / asked, 4) if asked else None,
            "attacker_points_stopped": round(sum(s.get("points_stopped", 0) for s in attack) / pts_asked, 4)
            if pts_asked else None,
            "attacker_coupon_value_stopped": round(sum(s.get("coupon_fen_stopped", 0) for s in attack) / fen_asked, 4)
            if fen_asked else None,
            "points_saved": sum(s.get("points_stopped", 0) for s in attack),
            "coupon_fen_saved": sum(s.get("coupon_fen_stopped", 0) for s in attack),
            "genuine_grants": genuine.get("grants", 0),
            "genuine_stopped_share": round(genuine.get("grants_stopped", 0) / genuine["grants"], 4)
            if genuine.get("grants") else None}
