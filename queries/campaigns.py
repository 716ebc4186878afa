"""Read-only campaign views for the CLI and API."""

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.engine import Connection

from activities.campaign_store import summarize
from models.campaign_run import CampaignSummary


class CampaignPublic(BaseModel):
    campaign_id: str
    name: str
    status: str
    starts_at: datetime
    ends_at: datetime
    version: int
    workflow_id: str
    spec: dict | None = None
    summary: CampaignSummary | None = None


def list_campaigns(conn: Connection) -> list[CampaignPublic]:
    rows = conn.execute(text("SELECT campaign_id, name, status, starts_at, ends_at, version, workflow_id "
                             "FROM campaign ORDER BY starts_at DESC, campaign_id")).mappings().all()
    return [CampaignPublic(**r) for r in rows]


def show_campaign(conn: Connection, campaign_id: str) -> CampaignPublic | None:
    row = conn.execute(text("SELECT campaign_id, name, status, starts_at, ends_at, version, workflow_id, spec "
                            "FROM campaign WHERE campaign_id = :c"), {"c": campaign_id}).mappings().first()
    if row is None:
        return None
    return CampaignPublic(**row, summary=summarize(conn, campaign_id))
