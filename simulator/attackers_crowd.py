"""Several live rooms of the session simulator with labeled attackers, and what a naive campaign
would have granted each viewer: the input of risk/simulation.py.

Naive campaigns (no risk checks; the value attackers come for):
- check-in bonus: CHECKIN_POINTS at every enter;
- watch points: one point per full minute between an enter and the next leave;
- coupon drop: COUPON_FEN for the first comment with the host's word within COUPON_WINDOW_S of the
  host's command, per member and room.
Genuine viewers (the DEFAULT_BEHAVIOURS) mostly came before: a shorter session some hours earlier
gives them history; its events are written, its grants are not counted.
"""

import random
from datetime import datetime, timedelta

from simulator import DEFAULT_BEHAVIOURS, SessionConfig, simulate as simulate_session
from simulator.attackers import Crowd, SimEvent, SimGrant
from simulator.attackers_live import ATTACKS, attackers

CHECKIN_POINTS = 5
COUPON_FEN = 500
COUPON_WINDOW_S = 60
RETURNING = 0.85  # share of genuine viewers with an earlier visit


def actor_of(behaviour: str) -> str:
    return behaviour if behaviour in ATTACKS else "genuine"


def _events(session, tag: str) -> list[SimEvent]:
    labels = session.labels
    return [SimEvent(e["room_id"], e["type"], e["member_id"], e["device_id"], e["ip"],
                     datetime.fromisoformat(e["occurred_at"]), actor_of(labels.get(e["member_id"], "")),
                     dict(e["payload"]), event_id=f"{tag}-{e['event_id']}")
            for e in session.events if e["member_id"]]


def naive_grants(events: list[SimEvent], cfg: SessionConfig) -> list[SimGrant]:
    command = cfg.start + timedelta(seconds=cfg.host_command_at)
    entered: dict[str, datetime] = {}
    couponed: set[str] = set()
    out = []
    for e in sorted(events, key=lambda e: e.occurred_at):
        def grant(kind: str, value: int) -> None:
            out.append(SimGrant(kind, e.member_id, e.device_id, e.ip, e.room_id, value, e.occurred_at, e.actor,
                                reference=f"sim_grant:{e.event_id}:{kind}"))
        if e.type == "enter":
            entered[e.member_id] = e.occurred_at
            grant("campaign_points", CHECKIN_POINTS)
        elif e.type == "leave" and e.member_id in entered:
            minutes = int((e.occurred_at - entered.pop(e.member_id)).total_seconds() // 60)
            if minutes:
                grant("campaign_points", minutes)
        elif e.type == "comment" and cfg.host_word in str(e.payload.get("text", "")) and e.member_id not in couponed \
                and command <= e.occurred_at <= command + timedelta(seconds=COUPON_WINDOW_S):
            couponed.add(e.member_id)
            grant("coupon", COUPON_FEN)
    return out


def live_crowd(rng: random.Random, rooms: list[str], start: datetime, minutes: int, tag: str,
               genuine: int = 300, scale: float = 1.0) -> Crowd:
    """`genuine` viewers spread over the rooms, attackers among them by weight; each room's host
    says the command word at its own moment, so hunters can hop from room to room."""
    crowd, per_room = Crowd(), max(1, round(genuine / len(rooms)))
    mix = [*DEFAULT_BEHAVIOURS, *attackers(tag, scale)]
    share = sum(b.weight for b in DEFAULT_BEHAVIOURS) / sum(b.weight for b in mix)
    for i, room in enumerate(rooms):
        seed, prefix = rng.randrange(10**9), f"{tag}-{room}-m"
        earlier = SessionConfig(room_id=room, viewers=int(per_room * RETURNING), duration_s=1800, seed=seed + 1,
                                start=start - timedelta(hours=rng.uniform(2, 20)), member_prefix=prefix)
        crowd.events += _events(simulate_session(earlier, DEFAULT_BEHAVIOURS), f"{tag}-early")
        cfg = SessionConfig(room_id=room, viewers=round(per_room / share), duration_s=minutes * 60, seed=seed,
                            start=start, member_prefix=prefix,
                            host_command_at=minutes * 60 * (0.1 + 0.8 * i / max(1, len(rooms))))
        events = _events(simulate_session(cfg, mix), tag)
        crowd.events += events
        crowd.grants += naive_grants(events, cfg)
    crowd.events.sort(key=lambda e: e.occurred_at)
    crowd.grants.sort(key=lambda g: g.at)
    return crowd
