"""Campaign rows: a one-shot window already over is refused (it would stay scheduled for good)."""

import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from activities.campaign_store import create_campaign, update_campaign
from core.db import transaction
from domain.campaigns.spec import CampaignSpec
from domain.errors import BadInput
from tests.campaigns.helpers import new_room, spec

pytestmark = pytest.mark.usefixtures("database_url")
SHARE = [{"id": "s", "trigger": {"type": "share"}, "reward": {"points": 1}}]


def _stored(cid: str) -> int:
    with transaction() as conn:
        return conn.execute(text("SELECT count(*) FROM campaign WHERE campaign_id = :c"), {"c": cid}).scalar()


def test_a_window_already_over_is_refused_and_nothing_is_stored():
    body = spec(new_room(), SHARE, start=datetime.now(timezone.utc) - timedelta(days=2), minutes=60)
    with pytest.raises(BadInput, match="the window ended at .*: the campaign would never run"), transaction() as conn:
        create_campaign(conn, CampaignSpec.model_validate(body))
    assert _stored(body["id"]) == 0
    recurring = {**body, "recurrence": {"cron": "0 20 * * 5"}}  # its cron goes on after the first window
    with transaction() as conn:
        assert create_campaign(conn, CampaignSpec.model_validate(recurring)) is True


def test_a_campaign_whose_window_is_over_cannot_be_updated_but_its_create_can_be_retried():
    body = spec(new_room(), SHARE, start=datetime.now(timezone.utc) - timedelta(minutes=1), minutes=1.03)
    with transaction() as conn:
        assert create_campaign(conn, CampaignSpec.model_validate(body)) is True
    time.sleep(max(0.0, (datetime.fromisoformat(body["window"]["end"]) - datetime.now(timezone.utc)).total_seconds()))
    with transaction() as conn:  # a retry of the same create: already there, not an error
        assert create_campaign(conn, CampaignSpec.model_validate(body)) is False
    changed = {**body, "rules": [{**SHARE[0], "reward": {"points": 2}}]}
    with pytest.raises(BadInput, match="would never run"), transaction() as conn:
        update_campaign(conn, CampaignSpec.model_validate(changed))
    with pytest.raises(BadInput, match="would never run"), transaction() as conn:
        create_campaign(conn, CampaignSpec.model_validate(changed))


def test_a_tick_reads_the_campaign_its_budgets_and_its_multipliers_as_the_separate_reads_do():
    """load_for_tick's one statement: the same spec, budget flags and multiplier rows (timestamps exact,
    whatever the session's time zone) as load_spec, the budget rows and ensure_multipliers' own read."""
    from activities.campaign_budget import exhausted_rules, mark_exhausted
    from activities.campaign_store import load_for_tick, load_spec
    from activities.multipliers import _rows, ensure_multipliers

    start = datetime.now(timezone.utc).replace(microsecond=123456) - timedelta(minutes=5)
    rules = [{"id": "x2", "trigger": {"type": "order_paid"}, "reward": {"multiplier": 1.5}},
             {"id": "capped", "trigger": {"type": "share"}, "reward": {"points": 2}, "limits": {"budget_points": 10}},
             {"id": "free", "trigger": {"type": "share"}, "reward": {"points": 1}}]
    campaign = CampaignSpec.model_validate(spec(new_room(), rules, start=start, minutes=60))
    with transaction() as conn:
        create_campaign(conn, campaign)
        ensure_multipliers(conn, campaign)
        mark_exhausted(conn, campaign.id, "capped", "points budget exhausted (rule capped)")
    with transaction() as conn:
        conn.execute(text("SET LOCAL TimeZone = 'Asia/Shanghai'"))
        (stored, status, _), now, budgets, multipliers = load_for_tick(conn, campaign.id)
        assert (stored, status) == load_spec(conn, campaign.id)[:2]
        assert multipliers == _rows(conn, f"campaign:{campaign.id}") and len(multipliers) == 1
        exhausted = {"capped": "points budget exhausted (rule capped)"}
        assert budgets.exhausted == exhausted_rules(conn, campaign.id) == exhausted
        assert budgets.unlimited_points == {"x2", "free"}  # no campaign-wide budget, no budget of their own
        assert now == conn.execute(text("SELECT now()")).scalar_one()
