"""Load the earning rules in force from settings and the points_multiplier table."""

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.engine import Connection

from core.settings import get_settings
from domain.earning import CampaignMultiplier, EarningRules

NEVER = datetime(9999, 1, 1, tzinfo=timezone.utc)
ALWAYS = datetime(1970, 1, 1, tzinfo=timezone.utc)


def load_rules(conn: Connection, *, room_id: str, at: datetime) -> EarningRules:
    settings = get_settings()
    rows = conn.execute(text(
        "SELECT scope, key, multiplier, starts_at, ends_at, source FROM points_multiplier "
        "WHERE coalesce(starts_at, '-infinity') <= :at AND coalesce(ends_at, 'infinity') > :at "
        "AND (scope <> 'room' OR key IN ('', :room))"), {"at": at, "room": room_id}).all()
    return EarningRules(
        points_per_yuan=Decimal(settings.points_per_yuan),
        category_multipliers={k: Decimal(m) for scope, k, m, *_ in rows if scope == "category"},
        sku_multipliers={k: Decimal(m) for scope, k, m, *_ in rows if scope == "sku"},
        campaign_multipliers=tuple(CampaignMultiplier(k, s or ALWAYS, e or NEVER, Decimal(m), source or "")
                                   for scope, k, m, s, e, source in rows if scope == "room"),
        max_points_per_order=settings.max_points_per_order)


def snapshot(rules: EarningRules, *, skus: list[str], categories: dict[str, str], room_id: str,
             at: datetime, campaign_bonus: int) -> dict:
    """The rates that applied to this order, to reverse refunds at the same rate later, and which
    campaign's multiplier added how many points (its summary counts them as the campaign's cost)."""
    from domain.earning import Line

    in_force = rules.campaign_multiplier_in_force(room_id, at)
    return {"points_per_yuan": str(rules.points_per_yuan),
            "sku": {sku: str(rules.line_multiplier(Line(sku, categories[sku], 0, 1))) for sku in skus},
            "campaign": str(in_force.multiplier if in_force else 1),
            "campaign_source": in_force.source if in_force else "",
            "campaign_bonus": campaign_bonus,
            "cap": rules.max_points_per_order}


def from_snapshot(snap: dict) -> EarningRules:
    return EarningRules(points_per_yuan=Decimal(snap["points_per_yuan"]),
                        sku_multipliers={k: Decimal(v) for k, v in snap["sku"].items()},
                        campaign_multipliers=(CampaignMultiplier("", ALWAYS, NEVER, Decimal(snap["campaign"])),),
                        max_points_per_order=snap["cap"])
