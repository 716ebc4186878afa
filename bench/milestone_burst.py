"""A milestone's coupon burst: the room reaches N viewers online and everyone present gets a coupon.

    python -m bench.milestone_burst                 # 10,000 viewers, as the issue's example
    python -m bench.milestone_burst --viewers 2000

One tick turns the online count into N coupon grants, each through the frequency cap, risk scoring,
the coupon's issue, its budget and a notification, in one transaction. The figures: how long that
tick took (`burst_s`: from its start until every coupon was committed and visible), coupons per second,
and the check that every present viewer got exactly one coupon. Before the tick the room's events are
stored through intake, the risk memory has folded them, and the campaign is created as an operator would;
nothing of that is timed.
"""

import argparse
import asyncio
import gc
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import text

from activities.campaign_store import create_campaign
from activities.campaign_tick import campaign_tick
from activities.coupon_templates import upsert_template
from activities.intake import ingest
from activities.rooms import register_room
from bench.stack import bench_stack, emit
from core.db import transaction
from core.gc_tuning import tune_gc
from domain.campaigns.spec import CampaignSpec
from models.campaign_run import TickInput
from models.coupon_api import TemplateSpec
from models.events import RoomBase
from risk.memory_follow import follower


@dataclass(frozen=True)
class Burst:
    """The room, coupon template and campaign a burst uses (a test runs its own beside others)."""
    room: str = "milestone-room"
    template: str = "milestone-5-off"
    campaign: str = "milestone"


def _events(viewers: int, start: datetime) -> list[dict]:
    """Every viewer enters and watches (an own device, and an IP in a /24 of its own); then the count
    reaches the milestone, with everyone's last heartbeat well within the gap that counts as present."""
    def ev(kind: str, member: str | None, at: datetime, i: int, **payload) -> dict:
        return {"event_id": f"{kind}-{member}-{i}", "type": kind, "member_id": member,
                "device_id": f"dev-{member}" if member else "",
                "ip": f"10.{i // 256 % 256}.{i % 256}.7" if member else "",
                "occurred_at": at.isoformat(), "payload": payload}
    out = []
    for i in range(viewers):
        member, at = f"viewer-{i}", start + timedelta(milliseconds=i)
        out += [ev("enter", member, at, i), ev("heartbeat", member, at + timedelta(seconds=40), i)]
    out.append(ev("online_count", None, start + timedelta(seconds=60), 0, count=viewers))
    return out


def _prepare(viewers: int, burst: Burst) -> None:
    start = datetime.now(timezone.utc) - timedelta(minutes=2)
    with transaction() as conn:
        register_room(conn, RoomBase(room_id=burst.room))
        upsert_template(conn, TemplateSpec(id=burst.template, name="5 off", kind="amount_off", amount_off=Decimal("5"),
                                           validity="relative", valid_hours=24, stock=viewers, per_member_limit=1))
    events = _events(viewers, start)
    for at in range(0, len(events), 2000):
        with transaction() as conn:
            ingest(conn, burst.room, events[at:at + 2000])
    spec = CampaignSpec.model_validate({
        "id": burst.campaign, "rooms": [burst.room],
        "window": {"start": (start - timedelta(minutes=1)).isoformat(),
                   "end": (start + timedelta(hours=1)).isoformat()},
        "budget": {"coupon_yuan": 5 * viewers},
        "rules": [{"id": "online", "trigger": {"type": "online_milestone", "count": viewers},
                   "reward": {"coupon_template": burst.template}}]})
    with transaction() as conn:
        create_campaign(conn, spec)


def _outcome(burst: Burst) -> dict:
    with transaction() as conn:
        by_status = dict(conn.execute(text("SELECT status, count(*) FROM campaign_grant WHERE campaign_id = :c "
                                           "GROUP BY status"), {"c": burst.campaign}).all())
        coupons, members = conn.execute(text("SELECT count(*), count(DISTINCT member_id) FROM coupon "
                                             "WHERE template_id = :t"), {"t": burst.template}).one()
        notes = conn.execute(text("SELECT count(*) FROM notification WHERE kind = 'coupon' "
                                  "AND data->>'campaign_id' = :c"), {"c": burst.campaign}).scalar()
    return {"grants_by_status": by_status, "coupons": coupons, "members_with_a_coupon": members,
            "coupon_notifications": notes}


def run_burst(viewers: int, burst: Burst = Burst(), *, as_worker: bool = False) -> dict:
    """Store the room's events and create the campaign (untimed), then tick until the milestone's coupons are in.
    The risk memory folds the room's events before the clock starts: a live worker's risk child folds them as
    they arrive, minutes before the count reaches the milestone (the first fold here replays the whole day).
    as_worker: the collector as the worker's and its risk child's (a test's process keeps its own)."""
    _prepare(viewers, burst)
    follower().catch_up()
    if as_worker:
        tune_gc()
        gc.freeze()  # as the risk child does after a catch-up: collections skip the folded aggregates
    started = time.perf_counter()
    ticks = 1
    while campaign_tick(TickInput(campaign_id=burst.campaign)).more:
        ticks += 1
    burst_s = time.perf_counter() - started
    outcome = _outcome(burst)
    return {"viewers": viewers, "burst_s": round(burst_s, 2), "coupons_per_s": round(outcome["coupons"] / burst_s),
            "ms_per_coupon": round(burst_s * 1000 / max(1, outcome["coupons"]), 3), "ticks": ticks, **outcome,
            "every_viewer_once": outcome["coupons"] == outcome["members_with_a_coupon"] == viewers}


async def main(viewers: int) -> None:
    async with bench_stack():
        emit(run_burst(viewers, as_worker=True))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().viewers))
