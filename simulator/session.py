"""A whole session: arrivals on a rising-then-falling curve, each viewer's behaviour, room-wide events."""

import heapq
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from simulator.behaviours import DEFAULT_BEHAVIOURS, Behaviour, Viewer


@dataclass
class SessionConfig:
    room_id: str = "room-1"
    viewers: int = 200
    duration_s: float = 600
    seed: int = 7
    start: datetime = field(default_factory=lambda: datetime.now(timezone.utc).replace(microsecond=0))
    heartbeat_s: float = 30
    keywords: list[str] = field(default_factory=lambda: ["想要", "LUCKY"])
    host_word: str = "福利"
    host_command_at: float | None = None  # seconds from start; default: 60% into the session
    flash_sale: tuple[float, float] | None = None  # (from, to) seconds; default: 70%..80%
    online_every_s: float = 5
    online_scale: float = 1.0  # online_count = present viewers x scale (big rooms from few viewers)
    rank_every_s: float = 60
    member_prefix: str = ""

    def __post_init__(self) -> None:
        if self.host_command_at is None:
            self.host_command_at = 0.6 * self.duration_s
        if self.flash_sale is None:
            self.flash_sale = (0.7 * self.duration_s, 0.8 * self.duration_s)


@dataclass
class SimulatedSession:
    config: SessionConfig
    events: list[dict]
    labels: dict[str, str]  # member_id -> behaviour name
    viewers: list[Viewer]


def _arrival(rng: random.Random, duration: float) -> float:
    return min(duration * 0.95, rng.triangular(0, duration, duration * 0.3))  # most arrive early-ish


def _rank_updates(likes: list[tuple[float, str, int]], cfg: SessionConfig) -> list[tuple]:
    """Every rank_every_s, the top 10 fans by likes so far (the room's leaderboard as it stood then)."""
    likes.sort(key=lambda x: x[0])
    so_far: dict[str, int] = {}
    out, n, t = [], 0, cfg.rank_every_s
    while t < cfg.duration_s:
        while n < len(likes) and likes[n][0] <= t:
            so_far[likes[n][1]] = so_far.get(likes[n][1], 0) + likes[n][2]
            n += 1
        ranking = [m for m, _ in heapq.nsmallest(10, so_far.items(), key=lambda kv: (-kv[1], kv[0]))]
        out.append((t, "rank_update", None, "", "", {"ranking": ranking}))
        t += cfg.rank_every_s
    return out


def simulate(cfg: SessionConfig, behaviours: list[Behaviour] | None = None) -> SimulatedSession:
    rng = random.Random(cfg.seed)
    behaviours = behaviours or DEFAULT_BEHAVIOURS
    prefix = cfg.member_prefix or f"{cfg.room_id}-m"
    timeline: list[tuple[float, str, str | None, str, str, dict]] = []
    viewers, likes = [], []
    for i in range(cfg.viewers):
        b = rng.choices(behaviours, weights=[x.weight for x in behaviours])[0]
        arrive = _arrival(rng, cfg.duration_s)
        stay = min(cfg.duration_s - arrive, rng.expovariate(1 / (cfg.duration_s * 0.5)) + 20)
        v = Viewer(f"{prefix}{i}", f"dev-{prefix}{i}", f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",
                   arrive, arrive + stay, b.name)
        viewers.append(v)
        for t, kind, payload in b.visit(v, cfg, rng):
            if kind == "like":
                likes.append((min(t, cfg.duration_s), v.member_id, payload["count"]))
            timeline.append((min(t, cfg.duration_s), kind, v.member_id, v.device_id, v.ip, payload))
    t = 0.0
    while t < cfg.duration_s:
        present = sum(1 for v in viewers if v.arrive <= t < v.leave)
        timeline.append((t, "online_count", None, "", "", {"count": int(present * cfg.online_scale)}))
        t += cfg.online_every_s
    timeline.append((cfg.host_command_at, "host_command", None, "", "", {"word": cfg.host_word}))
    timeline.append((cfg.flash_sale[0], "flash_sale_start", None, "", "", {"sku": "SKU-FLASH"}))
    timeline.append((cfg.flash_sale[1], "flash_sale_end", None, "", "", {"sku": "SKU-FLASH"}))
    timeline += _rank_updates(likes, cfg)
    timeline.sort(key=lambda x: x[0])
    events = [{"event_id": f"{cfg.room_id}-{cfg.seed}-{n}", "room_id": cfg.room_id, "type": kind, "member_id": m,
               "device_id": d, "ip": ip, "occurred_at": (cfg.start + timedelta(seconds=t)).isoformat(),
               "payload": payload} for n, (t, kind, m, d, ip, payload) in enumerate(timeline)]
    return SimulatedSession(cfg, events, {v.member_id: v.behaviour for v in viewers}, viewers)
