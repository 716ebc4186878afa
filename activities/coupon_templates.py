"""Create, update and read coupon templates (operators)."""

import json

from sqlalchemy import text
from sqlalchemy.engine import Connection

from core.settings import get_settings
from domain.coupons.templates import template_fields
from domain.money import to_yuan
from models.coupon_api import TemplatePublic, TemplateSpec

_JSON = ("scope_categories", "scope_skus", "exclude_categories", "exclude_skus")


def upsert_template(conn: Connection, spec: TemplateSpec) -> tuple[TemplatePublic, bool]:
    """Create the template, or update it in place (issued counts are kept). Returns (template, created)."""
    fields = template_fields(spec)
    params = {k: json.dumps(v) if k in _JSON else v for k, v in fields.items()}
    cols = ", ".join(fields)
    values = ", ".join(f"CAST(:{k} AS jsonb)" if k in _JSON else f":{k}" for k in fields)
    updates = ", ".join(f"{k} = EXCLUDED.{k}" for k in fields if k != "id")
    created = conn.execute(text(
        f"INSERT INTO coupon_template ({cols}) VALUES ({values}) ON CONFLICT (id) DO UPDATE SET {updates}, "
        "updated_at = now() RETURNING (xmax = 0)"), params).scalar_one()
    # Stock and budget live on the template's shard rows: recompute what is left (the shards keep what was issued).
    conn.execute(text("SELECT coupon_stock_rebalance(:t, :n)"), {"t": spec.id, "n": get_settings().coupon_stock_shards})
    return get_template(conn, spec.id), bool(created)


def set_active(conn: Connection, template_id: str, active: bool) -> bool:
    return conn.execute(text("UPDATE coupon_template SET active = :a, updated_at = now() WHERE id = :t"),
                        {"a": active, "t": template_id}).rowcount == 1


# A template with what its shards have issued so far.
_WITH_COUNTS = """
    SELECT t.*, coalesce(s.issued, 0) AS issued_count, coalesce(s.used_fen, 0) AS budget_used_fen
    FROM coupon_template t
    LEFT JOIN (SELECT template_id, sum(issued) AS issued, sum(used_fen) AS used_fen FROM coupon_stock_shard
               GROUP BY template_id) s ON s.template_id = t.id"""


def get_template(conn: Connection, template_id: str) -> TemplatePublic | None:
    row = conn.execute(text(_WITH_COUNTS + " WHERE t.id = :t"), {"t": template_id}).mappings().first()
    return None if row is None else template_public(row)


def list_templates(conn: Connection) -> list[TemplatePublic]:
    rows = conn.execute(text(_WITH_COUNTS + " ORDER BY t.created_at, t.id")).mappings().all()
    return [template_public(r) for r in rows]


def template_public(r) -> TemplatePublic:
    return TemplatePublic(
        id=r["id"], name=r["name"], kind=r["kind"], amount_off=to_yuan(r["amount_off_fen"]),
        threshold=to_yuan(r["threshold_fen"]), percent_off=r["percent_off"],
        max_discount=to_yuan(r["max_discount_fen"]),
        scope=r["scope_kind"], categories=r["scope_categories"], skus=r["scope_skus"],
        exclude_categories=r["exclude_categories"], exclude_skus=r["exclude_skus"], validity=r["validity_kind"],
        valid_from=r["valid_from"], valid_until=r["valid_until"], valid_hours=r["valid_hours"],
        grace_minutes=r["grace_minutes"], stock=r["stock_total"], per_member_limit=r["per_member_limit"],
        budget=None if r["budget_fen"] is None else to_yuan(r["budget_fen"]), stackable=r["stackable"],
        active=r["active"], issued=r["issued_count"], budget_used=to_yuan(r["budget_used_fen"]),
        created_at=r["created_at"])
