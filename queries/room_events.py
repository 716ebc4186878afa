"""Recorded room events (and the coupon templates they would draw on) for dry runs and reports."""

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.campaigns.dry_limits import CouponTemplateState
from domain.campaigns.evaluator import Ev
from domain.coupons.validity import face_value_fen


def events_between(conn: Connection, room_id: str, start: datetime, end: datetime) -> list[Ev]:
    rows = conn.execute(text(
        "SELECT id, event_id, type, member_id, device_id, ip, extract(epoch FROM occurred_at)::float8, payload "
        "FROM room_event WHERE room_id = :r AND occurred_at >= :a AND occurred_at < :b ORDER BY id"),
        {"r": room_id, "a": start, "b": end}).all()
    return [Ev(*r) for r in rows]


# The room :r and the other rooms of its shop (a first_visit rule of scope shop looks at them all).
SHOP_ROOMS = ("SELECT room_id FROM room WHERE shop_id <> '' AND shop_id = (SELECT shop_id FROM room "
              "WHERE room_id = :r) UNION SELECT :r")


def members_seen_before(conn: Connection, room_id: str, before: datetime, *, shop: bool = False) -> set[str]:
    """Members with an event in the room (shop=True: in any room of its shop) before `before`."""
    return set(conn.execute(text(f"SELECT DISTINCT member_id FROM room_event WHERE room_id IN "
                                 f"({SHOP_ROOMS if shop else ':r'}) AND occurred_at < :b AND member_id IS NOT NULL"),
                            {"r": room_id, "b": before}).scalars())


def coupon_template_states(conn: Connection, template_ids: list[str]) -> dict[str, CouponTemplateState]:
    """The templates a dry run issues from, as they stand now (stock and budget already used count)."""
    rows = conn.execute(text(
        "SELECT id, kind, amount_off_fen, max_discount_fen, stock_total - coalesce(s.issued, 0) AS stock_left, "
        "per_member_limit, budget_fen - coalesce(s.used_fen, 0) AS budget_left FROM coupon_template t "
        # what was issued lives on the template's stock shards (coupon_stock_shard, migration 0008)
        "LEFT JOIN (SELECT template_id, sum(issued) AS issued, sum(used_fen) AS used_fen FROM coupon_stock_shard "
        "WHERE template_id = ANY(:ids) GROUP BY template_id) s ON s.template_id = t.id "
        "WHERE id = ANY(:ids) AND active"), {"ids": template_ids}).mappings().all()
    return {r["id"]: CouponTemplateState(
        face_fen=face_value_fen(kind=r["kind"], amount_off_fen=r["amount_off_fen"],
                                max_discount_fen=r["max_discount_fen"]),
        stock_left=r["stock_left"], per_member_limit=r["per_member_limit"], budget_left_fen=r["budget_left"],
        name=r["id"])
        for r in rows}
