"""Viewer behaviours: each turns one viewer's visit into events. Extend by subclassing Behaviour."""

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.session import SessionConfig


@dataclass
class Viewer:
    member_id: str
    device_id: str
    ip: str
    arrive: float  # seconds from session start
    leave: float
    behaviour: str = ""


@dataclass
class Behaviour:
    """Base: enter, heartbeats while watching (with the odd dropped one), leave."""

    name: str = "lurker"
    weight: float = 1.0
    comment_rate: float = 0.0  # per minute
    like_rate: float = 0.0
    share_chance: float = 0.0
    order_chance: float = 0.0
    keyword_chance: float = 0.3  # of comments, how many say a campaign keyword
    answers_host: float = 0.0  # chance of commenting the host's word when it is said
    phrases: list[str] = field(default_factory=lambda: ["nice", "how much?", "好看", "主播好", "😍😍", "size M?"])

    def visit(self, v: Viewer, cfg: "SessionConfig", rng: random.Random) -> list[tuple[float, str, dict]]:
        """[(t, type, payload)] for this viewer; the session adds ids, device, IP and time stamps."""
        out: list[tuple[float, str, dict]] = [(v.arrive, "enter", {})]
        t = v.arrive + rng.uniform(0, cfg.heartbeat_s)
        while t < v.leave:
            if rng.random() > 0.02:  # a dropped heartbeat now and then (tolerated gap)
                out.append((t, "heartbeat", {}))
            t += cfg.heartbeat_s
        out += self.chatter(v, cfg, rng)
        out.append((v.leave, "leave", {}))
        return out

    def _times(self, v: Viewer, per_minute: float, rng: random.Random) -> list[float]:
        n = int(rng.expovariate(1) * per_minute * (v.leave - v.arrive) / 60) if per_minute else 0
        return sorted(rng.uniform(v.arrive, v.leave) for _ in range(n))

    def chatter(self, v: Viewer, cfg: "SessionConfig", rng: random.Random) -> list[tuple[float, str, dict]]:
        out: list[tuple[float, str, dict]] = []
        for t in self._times(v, self.comment_rate, rng):
            words = cfg.keywords if cfg.keywords and rng.random() < self.keyword_chance else self.phrases
            out.append((t, "comment", {"text": rng.choice(words)}))
        for t in self._times(v, self.like_rate, rng):
            out.append((t, "like", {"count": rng.randint(1, 10)}))
        if rng.random() < self.share_chance:
            out.append((rng.uniform(v.arrive, v.leave), "share", {"channel": "wechat"}))
        if rng.random() < self.order_chance:
            t = rng.uniform(v.arrive, v.leave)
            out.append((t, "order_paid", {"order_id": f"o-{v.member_id}-{int(t)}",
                                          "amount_fen": rng.randint(990, 29900)}))
        if cfg.host_command_at is not None and v.arrive <= cfg.host_command_at < v.leave \
                and rng.random() < self.answers_host:
            out.append((cfg.host_command_at + rng.uniform(0.5, 20), "comment", {"text": cfg.host_word}))
        return out


DEFAULT_BEHAVIOURS: list[Behaviour] = [
    Behaviour("lurker", weight=0.5, like_rate=0.2, answers_host=0.1),
    Behaviour("chatter", weight=0.3, comment_rate=1.5, like_rate=3, share_chance=0.2, answers_host=0.7),
    Behaviour("buyer", weight=0.15, comment_rate=0.5, like_rate=1, order_chance=0.6, answers_host=0.4),
    Behaviour("fan", weight=0.05, comment_rate=3, like_rate=10, share_chance=0.8, order_chance=0.3, answers_host=0.9),
]
