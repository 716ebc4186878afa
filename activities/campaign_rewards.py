"""Deliver one allowed grant: budget, then ledger credit or coupon issue, then the notification."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from activities import ledger
from activities.campaign_budget_takes import Take, take_many
from activities.notify import Note
from core.db import json_text
from core.settings import get_settings


@dataclass
class Grant:
    key: str  # campaign:{id}:{rule}:{member}:{occurrence}
    campaign_id: str
    rule_id: str
    room_id: str
    member_id: str
    kind: str  # points, coupon
    points: int = 0
    template_id: str = ""
    device_id: str = ""
    ip: str = ""
    source_event_id: int | None = None
    title: str = ""
    valid_minutes: float | None = None
    detail: dict = field(default_factory=dict)
    coupon_code: str = ""
    value_fen: int = 0

    def detail_json(self) -> str:
        return json_text({**self.detail, "title": self.title, "valid_minutes": self.valid_minutes})

    @classmethod
    def from_row(cls, row) -> "Grant":
        detail = dict(row["detail"])
        return cls(key=row["idempotency_key"], campaign_id=row["campaign_id"], rule_id=row["rule_id"],
                   room_id=row["room_id"], member_id=row["member_id"], kind=row["reward_kind"], points=row["points"],
                   template_id=row["coupon_template_id"], device_id=row["device_id"], ip=row["ip"],
                   source_event_id=row["source_event_id"], title=detail.pop("title", ""),
                   valid_minutes=detail.pop("valid_minutes", None), detail=detail)


def points_note(g: Grant) -> Note:
    return Note(g.member_id, "points", f"+{g.points} points", g.title or f"+{g.points} points from the live room",
                {"campaign_id": g.campaign_id, "rule_id": g.rule_id, "points": g.points, "room_id": g.room_id}, g.key)


def deliver(conn: Connection, g: Grant, *, now: datetime, notes: list[Note], limited: bool = True) -> tuple[str, str]:
    """(status, reason); 'granted' only when the reward was really made. The notification is appended
    to `notes` for the caller to write with the batch. limited=False: no budget applies to this rule."""
    if g.kind == "points":
        if limited and not take_many(conn, g.campaign_id, [Take(g.rule_id, points=g.points, stock=1)])[0]:
            return "suppressed", "budget exhausted"
        ledger.credit_available(conn, key=g.key, member_id=g.member_id, points=g.points,
                                reference=f"campaign:{g.campaign_id}", now=now,
                                lifetime=timedelta(days=get_settings().points_lifetime_days), source="campaign",
                                kind="campaign_earn", detail={"rule": g.rule_id})
        notes.append(points_note(g))
        return "granted", ""
    from activities.campaign_coupon_rewards import deliver_coupons  # it builds on this module

    # Budget rows before stock shards, as a tick locks them: a tick's batch waits for shards in order, so a
    # claim holding one while it waited for the budget rows that tick holds would close a circle.
    take_many(conn, g.campaign_id, [], lock_too={g.rule_id})
    return deliver_coupons(conn, [g], now=now, notes=notes)[0]


def coupon_note(g: Grant) -> Note:
    return Note(g.member_id, "coupon", "Coupon arrived",
                g.title or f"A {g.value_fen / 100:.2f} yuan coupon is in your wallet",
                {"campaign_id": g.campaign_id, "rule_id": g.rule_id, "coupon_code": g.coupon_code,
                 "face_value_fen": g.value_fen, "room_id": g.room_id}, g.key)
