"""A batch of points without coupons takes its budget last: credited and recorded on the budget as last
committed, then the take. When another lane takes meanwhile and the take answers otherwise, the batch goes
back to its savepoint and is settled again on what the take answered: no grant twice, no point unbudgeted."""

from datetime import datetime, timezone

from sqlalchemy import text

import activities.campaign_grants as grants_module
from activities.campaign_grants import BatchOutcome, _Batch, _points_first
from activities.campaign_rewards import Grant
from core.db import get_engine, transaction
from models.risk_base import Decision, RiskVerdict
from tests.conftest import unique


def _batch(campaign: str, members: list[str]) -> _Batch:
    gs = [Grant(key=unique("late"), campaign_id=campaign, rule_id="w", room_id="r", member_id=m, kind="points",
                points=30) for m in members]
    return _Batch(gs, [RiskVerdict(decision=Decision.ALLOW, score=0.0) for _ in gs], [Decision.ALLOW] * len(gs),
                  datetime.now(timezone.utc), [], [], BatchOutcome())


def _setup(points: int) -> str:
    campaign = unique("late")
    with transaction() as conn:
        conn.execute(text("INSERT INTO campaign_budget (campaign_id, rule_id, points_remaining) VALUES (:c, '', :p), "
                          "(:c, 'w', NULL)"), {"c": campaign, "p": points})
    return campaign


def _outcome(campaign: str, members: list[str]) -> tuple:
    with transaction() as conn:
        rows = conn.execute(text("SELECT member_id, status FROM campaign_grant WHERE campaign_id = :c ORDER BY 1"),
                            {"c": campaign}).all()
        credited = conn.execute(text("SELECT coalesce(sum(amount), 0) FROM points_lot WHERE member_id = ANY(:m)"),
                                {"m": members}).scalar()
        left = conn.execute(text("SELECT points_remaining FROM campaign_budget WHERE campaign_id = :c "
                                 "AND rule_id = ''"), {"c": campaign}).scalar()
    return [tuple(r) for r in rows], credited, left


def test_a_budget_taken_meanwhile_sends_the_batch_back_to_settle_on_what_is_left(database_url, monkeypatch):
    campaign, members = _setup(100), [unique("m") for _ in range(3)]
    real = grants_module.would_take

    def then_another_lane_takes(conn, campaign_id, takes):
        answer = real(conn, campaign_id, takes)  # all three fit in 100
        with get_engine().begin() as other:
            other.execute(text("UPDATE campaign_budget SET points_remaining = points_remaining - 50 "
                               "WHERE campaign_id = :c AND rule_id = ''"), {"c": campaign_id})
        return answer

    monkeypatch.setattr(grants_module, "would_take", then_another_lane_takes)
    batch = _batch(campaign, members)
    with transaction() as conn:
        _points_first(conn, batch, set())
    assert _outcome(campaign, members) == (sorted([(members[0], "granted"), (members[1], "suppressed"),
                                                   (members[2], "suppressed")]), 30, 20)
    assert dict(batch.out.by_status) == {"granted": 1, "suppressed": 2} and len(batch.notes) == 1
    assert len(batch.records) == 3


def test_when_the_budget_is_as_read_the_batch_is_credited_once_and_the_budget_taken_once(database_url):
    campaign, members = _setup(100), [unique("m") for _ in range(3)]
    batch = _batch(campaign, members)
    with transaction() as conn:
        _points_first(conn, batch, set())
    assert _outcome(campaign, members) == (sorted((m, "granted") for m in members), 90, 10)
    assert dict(batch.out.by_status) == {"granted": 3} and len(batch.notes) == len(batch.records) == 3
