"""Labeled attackers (and the genuine crowd they hide in) for the live-session simulator.

A small interface until the campaigns area's simulator lands: a Behaviour plays over some rooms for
some minutes and returns a Crowd - the room events it causes (SimEvent) and the grants a naive
campaign would give it (SimGrant), every one tagged with the actor kind ('genuine' or the attack).
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

COMMAND_WORD = "666"
ATTACKS = ("device_farm", "proxy_pool", "enter_leave_farm", "comment_spam", "coupon_hunter")


@dataclass
class SimEvent:
    room_id: str
    type: str
    member_id: str
    device_id: str
    ip: str
    occurred_at: datetime
    actor: str
    payload: dict = field(default_factory=dict)
    event_id: str = field(default_factory=lambda: f"sim-{uuid.uuid4().hex}")


@dataclass
class SimGrant:
    kind: str  # campaign_points (value: points) or coupon (value: fen)
    member_id: str
    device_id: str
    ip: str
    room_id: str
    value: int
    at: datetime
    actor: str
    reference: str = field(default_factory=lambda: f"sim_grant:{uuid.uuid4().hex[:12]}")


@dataclass
class Crowd:
    events: list[SimEvent] = field(default_factory=list)
    grants: list[SimGrant] = field(default_factory=list)

    def __iadd__(self, other: "Crowd") -> "Crowd":
        self.events += other.events
        self.grants += other.grants
        return self


class Behaviour(Protocol):
    name: str

    def play(self, rng: random.Random, rooms: list[str], start: datetime, minutes: int, tag: str) -> Crowd: ...


def _ip(rng: random.Random, net: tuple[int, int, int] | None = None) -> str:
    a, b, c = net or (rng.randint(11, 220), rng.randint(0, 255), rng.randint(0, 255))
    return f"{a}.{b}.{c}.{rng.randint(1, 254)}"


class _Session:
    """One member in one room: events plus a helper to add them at offsets in seconds."""

    def __init__(self, crowd: Crowd, actor: str, room: str, member: str, device: str, ip: str, start: datetime):
        self.crowd, self.actor, self.room, self.member, self.device, self.ip, self.start = \
            crowd, actor, room, member, device, ip, start

    def at(self, seconds: float, type_: str, ip: str | None = None, **payload) -> datetime:
        when = self.start + timedelta(seconds=seconds)
        self.crowd.events.append(SimEvent(self.room, type_, self.member, self.device, ip or self.ip, when, self.actor,
                                          dict(payload)))
        return when

    def grant(self, kind: str, value: int, when: datetime) -> None:
        self.crowd.grants.append(SimGrant(kind, self.member, self.device, self.ip, self.room, value, when, self.actor))


def _watch(s: _Session, rng: random.Random, begin: float, length: float, command_at: float | None,
           heartbeat: float = 30.0, jitter: float = 3.0, chatty: float = 180.0, buys: bool = False) -> None:
    """A human-ish session: enter, heartbeats, bursty comments and likes, maybe the command word."""
    s.at(begin, "enter")
    t = begin + heartbeat
    while t < begin + length:
        s.at(t, "heartbeat")
        t += heartbeat + rng.uniform(-jitter, jitter)
    t = begin + rng.expovariate(1 / chatty)
    while t < begin + length:
        s.at(t, rng.choice(["comment", "like", "like"]), text=rng.choice(["nice", "price?", "size M?", "hello"]))
        t += rng.expovariate(1 / chatty)
    if command_at is not None and begin <= command_at < begin + length:
        said = s.at(command_at + rng.uniform(2, 40), "comment", text=COMMAND_WORD)
        s.grant("coupon", 500, said)
    if buys:
        s.at(begin + length * 0.8, "order_paid")
    end = s.at(begin + length, "leave")
    s.grant("campaign_points", max(1, int(length // 60)), end)


class GenuineViewers:
    name = "genuine"

    def __init__(self, count: int = 300):
        self.count = count

    def play(self, rng, rooms, start, minutes, tag) -> Crowd:
        crowd, span = Crowd(), minutes * 60
        nat = [_ip(rng) for _ in range(self.count // 10)]  # a few households / offices share an IP
        for i in range(self.count):
            ip = rng.choice(nat) if rng.random() < 0.2 else _ip(rng)
            member, device = f"{tag}-viewer-{i}", f"{tag}-phone-{i}"
            if rng.random() < 0.85:  # most viewers came back: a visit some hours ago
                _watch(_Session(crowd, self.name, rng.choice(rooms), member, device, ip,
                                start - timedelta(hours=rng.uniform(2, 20))), rng, 0, rng.uniform(300, 1800), None)
                crowd.grants.pop()  # that visit's grant is history, not part of this run
            for room in rng.sample(rooms, k=1 if rng.random() < 0.8 else min(2, len(rooms))):
                begin = rng.uniform(0, span * 0.6)
                length = rng.uniform(300, span - begin)
                _watch(_Session(crowd, self.name, room, member, device, ip, start), rng, begin, length,
                       command_at=span * 0.5 if rng.random() < 0.6 else None, buys=rng.random() < 0.2)
        return crowd


class DeviceFarm:
    """Many accounts on a few phones (a farm rack): each account watches for the points."""

    name = "device_farm"

    def __init__(self, accounts: int = 40, devices: int = 4):
        self.accounts, self.devices = accounts, devices

    def play(self, rng, rooms, start, minutes, tag) -> Crowd:
        crowd, room, span = Crowd(), rng.choice(rooms), minutes * 60
        ips = [_ip(rng) for _ in range(self.devices)]
        for i in range(self.accounts):
            d = i % self.devices
            s = _Session(crowd, self.name, room, f"{tag}-farm-{i}", f"{tag}-rack-{d}", ips[d], start)
            _watch(s, rng, rng.uniform(0, 120), span * 0.8, command_at=span * 0.5, chatty=600)
        return crowd


class ProxyPool:
    """Emulated accounts behind rotating proxies in a few /24s, acting on a script's clock."""

    name = "proxy_pool"

    def __init__(self, accounts: int = 30, networks: int = 2, every: float = 20.0):
        self.accounts, self.networks, self.every = accounts, networks, every

    def play(self, rng, rooms, start, minutes, tag) -> Crowd:
        crowd, room, span = Crowd(), rng.choice(rooms), minutes * 60
        nets = [(rng.randint(11, 220), rng.randint(0, 255), rng.randint(0, 255)) for _ in range(self.networks)]
        for i in range(self.accounts):
            s = _Session(crowd, self.name, room, f"{tag}-proxy-{i}", f"{tag}-emu-{i}", _ip(rng, rng.choice(nets)),
                         start)
            s.at(0, "enter")
            t = rng.uniform(0, 5)
            while t < span * 0.9:
                s.at(t, "like", ip=_ip(rng, rng.choice(nets)))
                t += self.every
            s.grant("coupon", 500, s.at(span * 0.5 + 1, "comment", text=COMMAND_WORD))
            s.grant("campaign_points", int(span * 0.9 // 60), s.at(span * 0.9, "leave"))
        return crowd


class EnterLeaveFarm:
    """One account entering and leaving again and again, each entry worth a bonus."""

    name = "enter_leave_farm"

    def __init__(self, accounts: int = 5, cycle: float = 30.0, bonus: int = 5):
        self.accounts, self.cycle, self.bonus = accounts, cycle, bonus

    def play(self, rng, rooms, start, minutes, tag) -> Crowd:
        crowd = Crowd()
        for i in range(self.accounts):
            s = _Session(crowd, self.name, rng.choice(rooms), f"{tag}-churn-{i}", f"{tag}-churnphone-{i}", _ip(rng),
                         start)
            t = rng.uniform(0, 30)
            while t < minutes * 60 - self.cycle:
                s.grant("campaign_points", self.bonus, s.at(t, "enter"))
                s.at(t + self.cycle / 2, "leave")
                t += self.cycle + rng.uniform(-2, 2)
        return crowd


class CommentSpam:
    """Accounts pasting the command word over and over to trigger coupon drops."""

    name = "comment_spam"

    def __init__(self, accounts: int = 10, every: float = 15.0):
        self.accounts, self.every = accounts, every

    def play(self, rng, rooms, start, minutes, tag) -> Crowd:
        crowd, span = Crowd(), minutes * 60
        for i in range(self.accounts):
            s = _Session(crowd, self.name, rng.choice(rooms), f"{tag}-spam-{i}", f"{tag}-spamphone-{i}", _ip(rng),
                         start)
            s.at(0, "enter")
            t = rng.uniform(1, 10)
            while t < span * 0.9:
                when = s.at(t, "comment", text=COMMAND_WORD)
                if t >= span * 0.5 and t < span * 0.5 + self.every:
                    s.grant("coupon", 500, when)
                t += self.every * rng.uniform(0.8, 1.2)
            s.grant("campaign_points", int(span * 0.9 // 60), s.at(span * 0.9, "leave"))
        return crowd


class CouponHunters:
    """Fresh accounts hopping room to room: in, command word, coupon, out; they never buy."""

    name = "coupon_hunter"

    def __init__(self, accounts: int = 15):
        self.accounts = accounts

    def play(self, rng, rooms, start, minutes, tag) -> Crowd:
        crowd, span = Crowd(), minutes * 60
        for i in range(self.accounts):
            member, device, ip = f"{tag}-hunter-{i}", f"{tag}-hunterphone-{i}", _ip(rng)
            t = rng.uniform(0, 60)
            for room in rng.sample(rooms, k=len(rooms)):  # scripts: no player, so no heartbeats
                s = _Session(crowd, self.name, room, member, device, ip, start)
                s.at(t, "enter")
                s.grant("coupon", 500, s.at(t + rng.uniform(5, 20), "comment", text=COMMAND_WORD))
                s.at(t + rng.uniform(30, 60), "leave")
                t += span / (len(rooms) + 1)
        return crowd


def everyone(genuine: int = 300) -> list[Behaviour]:
    return [GenuineViewers(genuine), DeviceFarm(), ProxyPool(), EnterLeaveFarm(), CommentSpam(), CouponHunters()]


def simulate(rng: random.Random, rooms: list[str], start: datetime, minutes: int, tag: str,
             behaviours: list[Behaviour] | None = None) -> Crowd:
    crowd = Crowd()
    for behaviour in behaviours or everyone():
        crowd += behaviour.play(rng, rooms, start, minutes, tag)
    crowd.events.sort(key=lambda e: e.occurred_at)
    crowd.grants.sort(key=lambda g: g.at)
    return crowd
