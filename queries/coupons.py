"""Read-only coupon queries: a member's coupons, and coupons joined with templates for checkout."""

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from domain.coupons.checkout import CouponRule
from domain.money import to_yuan
from models.coupon_api import CouponPublic

_RULES = text("""
    SELECT c.code, c.member_id, c.status, c.valid_from, c.valid_until, t.kind, t.amount_off_fen, t.threshold_fen,
           t.percent_off, t.max_discount_fen, t.scope_kind, t.scope_categories, t.scope_skus,
           t.exclude_categories, t.exclude_skus, t.stackable
    FROM coupon c JOIN coupon_template t ON t.id = c.template_id WHERE c.code IN :codes
""").bindparams(bindparam("codes", expanding=True))

_SETS = ("scope_categories", "scope_skus", "exclude_categories", "exclude_skus")


def coupon_rules(conn: Connection, codes: list[str]) -> dict[str, CouponRule]:
    if not codes:
        return {}
    rows = conn.execute(_RULES, {"codes": list(codes)}).mappings().all()
    return {r["code"]: CouponRule(**{k: frozenset(v) if k in _SETS else v for k, v in r.items()}) for r in rows}


def member_coupons(conn: Connection, member_id: str, status: str | None = None, limit: int = 200) -> list[CouponPublic]:
    rows = conn.execute(text(
        "SELECT c.*, t.name, t.kind, t.stackable FROM coupon c JOIN coupon_template t ON t.id = c.template_id "
        "WHERE c.member_id = :m AND (CAST(:s AS text) IS NULL OR c.status = :s) "
        "ORDER BY c.issued_at DESC, c.code LIMIT :n"), {"m": member_id, "s": status, "n": limit}).mappings().all()
    return [CouponPublic(code=r["code"], template_id=r["template_id"], name=r["name"], kind=r["kind"],
                         status=r["status"], face_value=to_yuan(r["face_value_fen"]), valid_from=r["valid_from"],
                         valid_until=r["valid_until"], stackable=r["stackable"], room_id=r["room_id"],
                         used_order_id=r["used_order_id"]) for r in rows]
