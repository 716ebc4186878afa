"""Each type's payload fields, checked at intake: a malformed one is refused with its reason."""

from datetime import datetime, timedelta, timezone

import pytest

from domain.intake import split_batch

AT = "2026-01-01T11:59:00Z"
GOOD = [("like", "m1", {}), ("like", "m1", {"count": 3}), ("online_count", None, {"count": 0}),
        ("comment", "m1", {"text": "想要 🎁"}), ("comment", "m1", {}), ("host_command", None, {"word": "福利"}),
        ("rank_update", None, {"ranking": ["m1", "m2"]}), ("rank_update", None, {"ranking": []}),
        ("order_paid", "m1", {"order_id": "o1", "amount_fen": 990}), ("gift", "m1", {"anything": [1, "x"]}),
        ("heartbeat", "m1", {})]
BAD = [("like", "m1", {"count": "abc"}, "payload.count must be a whole number"),
       ("like", "m1", {"count": -1}, "payload.count"), ("like", "m1", {"count": True}, "payload.count"),
       ("like", "m1", {"count": 2.5}, "payload.count"), ("like", "m1", {"count": 2**40}, "payload.count"),
       ("online_count", None, {}, "payload.count"), ("online_count", None, {"count": [1]}, "payload.count"),
       ("comment", "m1", {"text": 5}, "payload.text must be a string"),
       ("host_command", None, {"word": "  "}, "payload.word must be a non-empty string"),
       ("host_command", None, {}, "payload.word"),
       ("rank_update", None, {"ranking": "m1"}, "payload.ranking must be a list of member ids"),
       ("rank_update", None, {"ranking": ["m1", 7]}, "payload.ranking"),
       ("order_paid", "m1", {"amount_fen": "9.90"}, "payload.amount_fen"),
       ("order_paid", "m1", {"order_id": 12}, "payload.order_id")]


def _event(n: int, kind: str, member, payload) -> dict:
    return {"event_id": f"e{n}", "type": kind, "member_id": member, "occurred_at": AT, "payload": payload}


def _split(items):
    return split_batch(items, room_id="r1", now=datetime(2026, 1, 1, 12, tzinfo=timezone.utc),
                       max_future=timedelta(minutes=5))


def test_well_formed_payloads_pass():
    valid, refused = _split([_event(n, *case) for n, case in enumerate(GOOD)])
    assert refused == [] and len(valid) == len(GOOD)


@pytest.mark.parametrize("kind, member, payload, reason", BAD)
def test_a_malformed_payload_is_refused_alone(kind, member, payload, reason):
    valid, refused = _split([_event(0, "share", "m1", {}), _event(1, kind, member, payload)])
    assert [v.event_id for v in valid] == ["e0"]
    [(index, event_id, why)] = refused
    assert (index, event_id) == (1, "e1") and reason in why
