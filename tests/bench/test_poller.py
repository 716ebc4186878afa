"""The room-events benchmark's grant poller: every grant of its campaign once, a grant committed after a
later id is still found, each poll reads the new grants down the primary key, and the delays are from each
grant's event arrival to the poll that saw it."""

from datetime import datetime, timezone

from sqlalchemy import text

from activities.campaign_grants import _record, _row
from activities.campaign_rewards import Grant
from activities.risk_sim import write_events
from bench.room_events import _NEW_GRANTS, Poller
from core.db import get_engine, planned_each_call, transaction
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
    assert len(poller.seen) == 1
    with get_engine().connect() as slow:
        tx = slow.begin()
        late = _grant(slow, campaign)  # the earlier id, committed last
        with transaction() as fast:
            _grant(fast, campaign)
            _grant(fast, unique("other-campaign"))  # not counted
        poller.poll()
        assert len(poller.seen) == 2 and late in poller.holes
        tx.commit()
    poller.poll()
    poller.poll()
    assert len(poller.seen) == 3 and late in poller.seen and late not in poller.holes
    arrivals, delays = poller.delays()
    assert len(arrivals) == len(delays) == 3 and all(d >= 0 for d in delays)


def test_a_delay_is_from_the_events_arrival_to_the_poll_that_saw_the_grant(database_url):
    campaign = unique("poll")
    poller = Poller(campaign)
    with transaction() as conn:
        grant_id = _grant(conn, campaign)
        conn.execute(text("UPDATE room_event SET received_at = clock_timestamp() - interval '3 seconds' "
                          "WHERE id = (SELECT source_event_id FROM campaign_grant WHERE id = :g)"), {"g": grant_id})
    poller.poll()
    with transaction() as conn:
        arrived = conn.execute(text("SELECT extract(epoch FROM e.received_at) FROM campaign_grant g "
                                    "JOIN room_event e ON e.id = g.source_event_id WHERE g.id = :g"),
                               {"g": grant_id}).scalar_one()
    (arrival,), (delay,) = poller.delays()
    assert arrival == float(arrived) and 3.0 <= delay < 13.0


def test_a_poll_reads_down_the_primary_key_not_the_campaigns_grants(conn):
    last = conn.execute(text("SELECT coalesce(max(id), 0) FROM campaign_grant")).scalar_one()
    plan = "\n".join(line for (line,) in planned_each_call(conn, f"EXPLAIN {_NEW_GRANTS}",
                                                            {"c": "bench", "after": last, "holes": [1, 2, 3]}))
    assert "campaign_grant_pkey" in plan and "ix_campaign_grant_campaign" not in plan
