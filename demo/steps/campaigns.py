"""A simulated live session through the HTTP API with a running campaign: points for watching, a keyword
coupon and the host's command-word coupon. Ten simulated minutes are posted in about 30 s, in time order,
while the campaign's workflow ticks; the summary counts what it granted."""

import asyncio
import json
import time
from datetime import datetime, timedelta, timezone

import httpx
from rich.progress import Progress
from sqlalchemy import text

from core.db import transaction
from demo.context import DemoContext
from simulator import SessionConfig, simulate

SIMULATED_S = 600
WALL_S = 30


def _campaign(run: str, room: str, template: str, start: datetime) -> dict:
    return {"id": f"{run}-live", "name": "Demo live session", "rooms": [room],
            "window": {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()},
            "budget": {"points": 200_000, "coupon_yuan": 2_000},
            "rules": [
                {"id": "watch-3min", "title": "+20 points for watching 3 minutes",
                 "trigger": {"type": "watch_minutes", "minutes": 3}, "reward": {"points": 20},
                 "limits": {"per_viewer": 3}},
                {"id": "keyword-coupon", "trigger": {"type": "comment_keyword", "keywords": ["想要", "lucky"]},
                 "reward": {"coupon_template": template}, "limits": {"stock": 60}},
                {"id": "host-word", "trigger": {"type": "host_command", "mode": "first_n", "n": 25, "seconds": 30},
                 "reward": {"coupon_template": template}}]}


async def play(ctx: DemoContext) -> None:
    run = f"demo{int(time.time())}"
    room = f"{run}-room"
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(seconds=SIMULATED_S + 5)
    session = simulate(SessionConfig(room_id=room, viewers=300, duration_s=SIMULATED_S, seed=ctx.seed, start=start))
    ops = {"Authorization": f"Bearer {ctx.tokens['operator']}"}
    live = {"Authorization": f"Bearer {ctx.tokens['live-platform']}", "Content-Type": "application/x-ndjson"}
    async with httpx.AsyncClient(base_url=ctx.api_url, timeout=30) as api:
        (await api.post("/v1/rooms", json={"room_id": room, "title": "Demo live room"}, headers=ops)).raise_for_status()
        tpl = f"{run}-5off"
        (await api.post("/v1/coupon-templates", headers=ops, json={
            "id": tpl, "name": "5 yuan off", "kind": "amount_off", "amount_off": "5", "validity": "relative",
            "valid_hours": 24, "stock": 500, "per_member_limit": None})).raise_for_status()
        (await api.post("/v1/campaigns", json=_campaign(run, room, tpl, start), headers=ops)).raise_for_status()
        accepted = await _post_session(ctx, api, room, session.events, live)
        await _settle(f"{run}-live")
        summary = (await api.post(f"/v1/campaigns/{run}-live/stop", headers=ops)).json()
    _summarize(ctx, accepted, len(session.events), summary)


async def _post_session(ctx: DemoContext, api: httpx.AsyncClient, room: str, events: list[dict], headers) -> int:
    """Post in time order, one batch per simulated 20 s, spread over WALL_S seconds."""
    step, accepted = 20, 0
    with Progress(console=ctx.console) as progress:
        task = progress.add_task(f"live session: {len(events)} events", total=len(events))
        t0 = datetime.fromisoformat(events[0]["occurred_at"])
        for window in range(0, SIMULATED_S + step, step):
            batch = [e for e in events
                     if window <= (datetime.fromisoformat(e["occurred_at"]) - t0).total_seconds() < window + step]
            if batch:
                body = "\n".join(json.dumps(e, ensure_ascii=False) for e in batch)
                r = await api.post(f"/v1/rooms/{room}/events", content=body.encode(), headers=headers)
                r.raise_for_status()
                accepted += r.json()["accepted"]
                progress.advance(task, len(batch))
            await asyncio.sleep(WALL_S * step / SIMULATED_S)
    return accepted


async def _settle(campaign_id: str, seconds: float = 15) -> None:
    """Wait until the campaign's cursor has caught up with the room's last event."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with transaction() as conn:
            lag = conn.execute(text(
                "SELECT coalesce((SELECT max(id) FROM room_event e WHERE e.room_id = c.room_id), 0) - c.last_event_id "
                "FROM campaign_cursor c WHERE c.campaign_id = :c"), {"c": campaign_id}).scalar()
        if lag is not None and lag <= 0:
            return
        await asyncio.sleep(0.5)


def _summarize(ctx: DemoContext, accepted: int, posted: int, summary: dict) -> None:
    add = lambda label, value: ctx.summary.append(("campaigns", label, str(value)))  # noqa: E731
    add("room events accepted", f"{accepted} of {posted}")
    for rule, by_status in sorted(summary.get("grants_by_rule", {}).items()):
        add(f"grants: {rule}", ", ".join(f"{k} {v}" for k, v in sorted(by_status.items())))
    add("points granted", summary.get("points_granted", 0))
    add("coupons issued", summary.get("coupons_issued", 0))
    add("coupon value issued (yuan)", f"{summary.get('coupon_value_fen', 0) / 100:.2f}")
    add("suppressed (caps, budgets, stock)", summary.get("suppressed", 0))
    add("held / denied by risk", f"{summary.get('held', 0)} / {summary.get('denied', 0)}")
