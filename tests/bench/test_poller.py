"""The room-events benchmark's grant poller: every grant of its campaign once, a grant committed after a
later id is still found, and each poll reads the new grants down the primary key."""

from datetime import datetime, timezone

from sqlalchemy import text

from activities.campaign_grants import _record, _row
from activities.campaign_rewards import Grant
from activities.risk_sim import write_events
from bench.room_events import _NEW_GRANTS, Poller
from core.db import get_engine, transaction
from simulator.attackers import SimEvent
from tests.conftest import unique


def _grant(conn, campaign: str) -> int:
    """A grant of `campaign` on a fresh room event; its id."""
    member = unique("m")
    write_events(conn, [SimEvent("poll-room", "like", member, "d", "10.6.6.6", datetime.now(timezone.utc), "t")])
    event_id = conn.execute(text("SELECT max(id) FROM room_event WHERE member_id = :m"), {"m": member}).scalar_one()
    key = unique("poll-grant")
    _record(conn, [_row(Grant(key=key, campaign_id=campaign, rule_id="r", room_id="poll-room", member_id=member,
                              kind="points", points=1, source_event_id=event_id), "granted")])
    return conn.execute(text("SELECT id FROM campaign_grant WHERE idempotency_key = :k"), {"k": key}).scalar_one()


def test_the_poller_sees_each_grant_of_its_campaign_once_even_when_committed_out_of_order(database_url):
    campaign = unique("poll")
    poller = Poller(campaign)
    with transaction() as conn:
        _grant(conn, campaign)
    poller.poll()
    assert len(poller.delays) == 1 and poller.delays[0] >= 0
    with get_engine().connect() as slow:
        tx = slow.begin()
        late = _grant(slow, campaign)  # the earlier id, committed last
        with transaction() as fast:
            _grant(fast, campaign)
            _grant(fast, unique("other-campaign"))  # not counted
        poller.poll()
        assert len(poller.delays) == 2 and late in poller.holes
        tx.commit()
    poller.poll()
    poller.poll()
    assert len(poller.delays) == 3 and len(poller.arrivals) == 3 and late not in poller.holes


def test_a_poll_reads_down_the_primary_key_not_the_campaigns_grants(conn):
    last = conn.execute(text("SELECT coalesce(max(id), 0) FROM campaign_grant")).scalar_one()
    plan = "\n".join(conn.execute(text(f"EXPLAIN {_NEW_GRANTS.text}"),
                                  {"c": "bench", "after": last, "holes": "{1,2,3}"}).scalars())
    assert "campaign_grant_pkey" in plan and "ix_campaign_grant_campaign" not in plan
