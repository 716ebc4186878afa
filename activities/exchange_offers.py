"""Operators create and update what members can buy with points."""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.coupons.offers import check_offer
from domain.errors import BadInput
from models.exchange_api import OfferSpec


def upsert_offer(conn: Connection, spec: OfferSpec) -> None:
    prizes = check_offer(spec)
    if spec.template_id or any(p[4] for p in prizes):
        wanted = {spec.template_id} | {p[4] for p in prizes}
        known = {r[0] for r in conn.execute(text("SELECT id FROM coupon_template WHERE id = ANY(:ids)"),
                                            {"ids": [t for t in wanted if t]})}
        missing = sorted(t for t in wanted if t and t not in known)
        if missing:
            raise BadInput(f"offer {spec.id!r}: unknown coupon template(s) {', '.join(missing)}")
    conn.execute(text("""
        INSERT INTO exchange_offer (id, kind, name, price_points, template_id, stock_left, active)
        VALUES (:id, :kind, :name, :price, :tpl, :stock, :active)
        ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name, price_points = EXCLUDED.price_points,
            template_id = EXCLUDED.template_id, stock_left = EXCLUDED.stock_left, active = EXCLUDED.active"""),
                 {"id": spec.id, "kind": spec.kind, "name": spec.name, "price": spec.price_points,
                  "tpl": spec.template_id, "stock": spec.stock, "active": spec.active})
    conn.execute(text("DELETE FROM lottery_prize WHERE offer_id = :id"), {"id": spec.id})
    for prize_id, name, ppm, stock, template_id in prizes:
        conn.execute(text("INSERT INTO lottery_prize (offer_id, prize_id, name, weight_ppm, stock_left, template_id) "
                          "VALUES (:o, :p, :n, :w, :s, :t)"),
                     {"o": spec.id, "p": prize_id, "n": name, "w": ppm, "s": stock, "t": template_id})


def list_offers(conn: Connection) -> list[dict]:
    rows = conn.execute(text("SELECT * FROM exchange_offer ORDER BY id")).mappings().all()
    prizes = conn.execute(text("SELECT * FROM lottery_prize ORDER BY offer_id, prize_id")).mappings().all()
    return [{**dict(r), "prizes": [dict(p) for p in prizes if p["offer_id"] == r["id"]]} for r in rows]
