"""Labeled attackers as Behaviours of the live-session simulator (simulator/session.py).

    session = simulate(SessionConfig(room_id="r1", viewers=300),
                       behaviours=[*DEFAULT_BEHAVIOURS, *attackers("run1")])
    session.labels   # member -> "lurker" / "chatter" / ... or "device_farm", "proxy_pool", ...

Each attacker rewrites its Viewer (member id in its own namespace, device, IP) in `visit`, so ids shared across accounts
(a farm's phones, a proxy pool's networks, a hunter's account across rooms) are stable for one
`tag` (one run) across the rooms it plays in.
"""

import hashlib
import random
from dataclasses import dataclass

from simulator.behaviours import Behaviour, Viewer

ATTACKS = ("device_farm", "proxy_pool", "enter_leave_farm", "comment_spam", "coupon_hunter")
Events = list[tuple[float, str, dict]]


def _ip(tag: str, key: object, host: int | None = None) -> str:
    """A stable public-looking IPv4 for (tag, key); `host` picks an address inside that /24."""
    h = hashlib.sha256(f"{tag}|{key}".encode()).digest()
    return f"{h[0] % 200 + 11}.{h[1]}.{h[2]}.{(h[3] if host is None else host) % 254 + 1}"


@dataclass
class DeviceFarm(Behaviour):
    """Many accounts on a few phones (a farm rack), each watching for the points and the coupon."""

    tag: str = "sim"
    devices: int = 4
    answers_host: float = 1.0

    def visit(self, v: Viewer, cfg, rng: random.Random) -> Events:
        rack = rng.randrange(self.devices)
        v.member_id = f"{self.tag}-farm-{v.member_id}"
        v.device_id, v.ip = f"{self.tag}-rack-{rack}", _ip(self.tag, f"rack{rack}")
        return super().visit(v, cfg, rng)


@dataclass
class ProxyPool(Behaviour):
    """Emulators behind a pool of proxies in a few /24s, acting on a script's clock (no player)."""

    tag: str = "sim"
    networks: int = 2
    every_s: float = 20.0

    def visit(self, v: Viewer, cfg, rng: random.Random) -> Events:
        v.member_id = f"{self.tag}-proxy-{v.member_id}"
        v.device_id = f"{self.tag}-emu-{v.member_id}"
        v.ip = _ip(self.tag, f"net{rng.randrange(self.networks)}", rng.randrange(254))
        out: Events = [(v.arrive, "enter", {})]
        t, said = v.arrive + 1.0, False
        while t < v.leave:  # one action per tick; the tick after the host's command says the word
            if not said and t >= cfg.host_command_at:
                out.append((t, "comment", {"text": cfg.host_word}))
                said = True
            else:
                out.append((t, "like", {"count": 1}))
            t += self.every_s
        return out + [(t, "leave", {})]  # leaves on its clock too


def _own_phone(v: Viewer, tag: str, kind: str) -> None:
    """A scripted account with a phone and an address of its own: `{tag}-{kind}-...` names it."""
    v.member_id = f"{tag}-{kind}-{v.member_id}"
    v.device_id, v.ip = f"{tag}-{kind}phone-{v.member_id}", _ip(tag, v.member_id)


@dataclass
class EnterLeaveFarm(Behaviour):
    """One account entering and leaving again and again (every entry is worth a check-in bonus)."""

    tag: str = "sim"
    cycle_s: float = 40.0

    def visit(self, v: Viewer, cfg, rng: random.Random) -> Events:
        _own_phone(v, self.tag, "churn")
        v.arrive, v.leave = rng.uniform(0, 30), cfg.duration_s
        out: Events = []
        t = v.arrive
        while t < cfg.duration_s - self.cycle_s:
            out += [(t, "enter", {}), (t + self.cycle_s / 2, "leave", {})]
            t += self.cycle_s + rng.uniform(-2, 2)
        return out


@dataclass
class CommentSpam(Behaviour):
    """An account pasting the command word (and the keywords) on a timer, no player."""

    tag: str = "sim"
    every_s: float = 15.0

    def visit(self, v: Viewer, cfg, rng: random.Random) -> Events:
        _own_phone(v, self.tag, "spam")
        words = [cfg.host_word, *cfg.keywords]
        out: Events = [(v.arrive, "enter", {})]
        t = v.arrive + rng.uniform(1, 10)
        while t < v.leave:
            out.append((t, "comment", {"text": rng.choice(words)}))
            t += self.every_s + rng.uniform(-0.5, 0.5)  # a paste loop on a timer
        return out + [(t, "leave", {})]  # leaves on its timer too


@dataclass
class CouponHunter(Behaviour):
    """One of a few fresh accounts hopping from room to room around the host's command word:
    in, command word, out; a script, so no player heartbeats; never buys."""

    tag: str = "sim"
    accounts: int = 6

    def visit(self, v: Viewer, cfg, rng: random.Random) -> Events:
        k = rng.randrange(self.accounts)
        v.member_id, v.device_id = f"{self.tag}-hunter-{k}", f"{self.tag}-hunterphone-{k}"
        v.ip = _ip(self.tag, f"hunter{k}")
        v.arrive = max(0.0, cfg.host_command_at - rng.uniform(5, 30))
        said = cfg.host_command_at + rng.uniform(1, 10)
        v.leave = min(cfg.duration_s, said + rng.uniform(20, 50))
        return [(v.arrive, "enter", {}), (said, "comment", {"text": cfg.host_word}), (v.leave, "leave", {})]


def attackers(tag: str, scale: float = 1.0) -> list[Behaviour]:
    """The five attacks with weights relative to DEFAULT_BEHAVIOURS' (which sum to 1): about a third
    of a room's viewers are attackers at scale 1."""
    return [DeviceFarm("device_farm", weight=0.20 * scale, tag=tag),
            ProxyPool("proxy_pool", weight=0.15 * scale, tag=tag),
            EnterLeaveFarm("enter_leave_farm", weight=0.02 * scale, tag=tag),
            CommentSpam("comment_spam", weight=0.05 * scale, tag=tag),
            CouponHunter("coupon_hunter", weight=0.2 * scale, tag=tag)]
