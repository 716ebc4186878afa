"""A campaign's lottery draws, each re-drawn from its recorded seed and entrants, beside the winners' grants."""

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.campaigns.triggers import lottery_verified


class DrawPublic(BaseModel):
    draw_key: str
    rule_id: str
    room_id: str
    drawn_at: datetime
    seed: str
    entrants: list[str]
    winners: list[str]
    verified: bool = Field(description="the seed and entrants draw these winners again, in this order")
    grants: dict[str, str] = Field(description="winner -> status of the grant the draw made "
                                               "('none': no grant, e.g. the rule's per-viewer limit)")


# The winners' grants name the draw's event as their source (draws from before migration 0018 name none).
_DRAWS = text("""
    SELECT d.draw_key, d.rule_id, d.room_id, d.created_at AS drawn_at, d.seed, d.entrants, d.winners,
           (SELECT coalesce(jsonb_object_agg(g.member_id, g.status), '{}') FROM campaign_grant g
            WHERE g.campaign_id = d.campaign_id AND g.rule_id = d.rule_id AND g.source_event_id = d.source_event_id
              AND g.member_id IN (SELECT jsonb_array_elements_text(d.winners))) AS grants
    FROM lottery_draw d WHERE d.campaign_id = :c ORDER BY d.id""")


def campaign_draws(conn: Connection, campaign_id: str) -> list[DrawPublic] | None:
    """None for an unknown campaign."""
    if conn.execute(text("SELECT 1 FROM campaign WHERE campaign_id = :c"), {"c": campaign_id}).first() is None:
        return None
    out = []
    for row in conn.execute(_DRAWS, {"c": campaign_id}).mappings():
        granted = row["grants"]
        out.append(DrawPublic(**{**row, "grants": {w: granted.get(w, "none") for w in row["winners"]},
                                 "verified": lottery_verified(row["entrants"], row["winners"], row["seed"])}))
    return out
