from datetime import datetime, timedelta, timezone

import pytest

from domain.errors import BadInput
from domain.intake import parse_body, split_batch

NOW = datetime(2026, 1, 1, 12, tzinfo=timezone.utc)


def _split(items):
    return split_batch(items, room_id="r1", now=NOW, max_future=timedelta(minutes=5))


def test_parse_array_and_ndjson():
    assert parse_body(b'[{"a": 1}]') == [{"a": 1}]
    items = parse_body(b'{"a": 1}\n\nnot json\n{"b": 2}\n')
    assert items[0] == {"a": 1} and "_unparseable" in items[1] and items[2] == {"b": 2}
    with pytest.raises(BadInput):
        parse_body(b"  ")
    with pytest.raises(BadInput):
        parse_body(b"[1, 2")


def test_ndjson_lines_end_at_newline_only():
    # Unescaped U+2028, U+2029 and U+0085 are legal inside JSON strings (json.dumps(ensure_ascii=False)
    # writes them); str.splitlines would cut such a comment in two and refuse both halves.
    comment = '{"event_id": "e1", "type": "comment", "text": "a\u2028b\u2029c\u0085d"}'
    items = parse_body(f"{comment}\r\n{{\"event_id\": \"e2\"}}\n".encode())
    assert items == [{"event_id": "e1", "type": "comment", "text": "a\u2028b\u2029c\u0085d"}, {"event_id": "e2"}]


def test_bytes_that_are_not_utf8_are_replaced_not_refused():
    assert parse_body(b'{"text": "caf\xe9"}\n{"b": 2}') == [{"text": "caf\ufffd"}, {"b": 2}]
    assert parse_body(b'[{"text": "\xff"}]') == [{"text": "\ufffd"}]
    [bad] = parse_body(b'{"text": "\xff"')
    assert bad["_unparseable"] == '{"text": "\ufffd"' and bad["_error"]


def test_each_bad_event_gets_its_own_reason():
    good = {"event_id": "e1", "type": "comment", "member_id": "m", "occurred_at": "2026-01-01T11:59:00Z",
            "payload": {"text": "hi"}}
    items = [good,
             {**good, "event_id": "e2", "type": "teleport"},
             {**good, "event_id": "e3", "member_id": None},
             {**good, "event_id": "e4", "occurred_at": "2026-01-01T13:00:00Z"},
             {**good, "event_id": "e5", "occurred_at": "2026-01-01T11:00:00"},
             {**good, "event_id": ""},
             {**good, "event_id": "e7", "payload": [1]},
             {**good, "event_id": "e8", "room_id": "r2"},
             good,
             "junk",
             {"event_id": "e9", "type": "online_count", "occurred_at": 1767268700, "payload": {"count": 5}}]
    valid, refused = _split(items)
    assert [v.event_id for v in valid] == ["e1", "e9"]
    reasons = {i: why for i, _, why in refused}
    assert "unknown event type 'teleport'" in reasons[1]
    assert "need a member_id" in reasons[2]
    assert "in the future" in reasons[3]
    assert "time zone" in reasons[4]
    assert "event_id" in reasons[5]
    assert "payload" in reasons[6]
    assert "posted to room" in reasons[7]
    assert "repeated" in reasons[8]
    assert "JSON object" in reasons[9]


def test_timestamps_with_any_zone_or_epoch_are_stored_in_utc():
    base = {"type": "online_count", "payload": {"count": 1}}
    items = [{**base, "event_id": "z", "occurred_at": "2026-01-01T11:59:00Z"},
             {**base, "event_id": "east", "occurred_at": "2026-01-01T19:59:00+08:00"},
             {**base, "event_id": "s", "occurred_at": 1767268740},
             {**base, "event_id": "ms", "occurred_at": 1767268740000}]
    valid, refused = _split(items)
    assert refused == []
    assert {v.event_id: v.occurred_at for v in valid} == dict.fromkeys(["z", "east", "s", "ms"],
                                                                      datetime(2026, 1, 1, 11, 59, tzinfo=timezone.utc))
    assert all(v.occurred_at.utcoffset() == timedelta(0) for v in valid)
