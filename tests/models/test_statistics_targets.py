"""The hot tables, analyzed every minute at 20,000 events/s: planner statistics only on the columns queries filter,
join, order or group by (migrations 0024 and 0025), and autovacuum's work on them paced over seconds (0026, 0027)."""

import pytest
from sqlalchemy import text

from tests.conftest import unique

# table -> (columns some query filters, joins, orders or groups by; columns read only with their row)
COLUMNS = {
    "room_event": (("id", "room_id", "type", "member_id", "occurred_at", "first_in_quarter"),
                   ("event_id", "device_id", "ip", "received_at", "payload")),
    "campaign_grant": (("id", "campaign_id", "rule_id", "room_id", "member_id", "reward_kind", "status", "coupon_code",
                        "source_event_id", "created_at"),
                       ("idempotency_key", "coupon_template_id", "reason", "risk_score", "device_id", "ip", "detail",
                        "decided_at")),
    "notification": (("id", "member_id", "kind", "created_at"), ("idempotency_key", "title", "body", "data")),
    "journal_entry": (("id", "kind", "member_id", "created_at"), ("idempotency_key", "reference", "detail")),
    "risk_decision": (("id", "kind", "member_id", "room_id", "decision", "status", "created_at"),
                      ("reference", "device_id", "ip", "score", "model_version", "hold_above", "deny_above", "reasons",
                       "top_features", "reviewed_by", "reviewed_at")),
}


@pytest.mark.parametrize("table", sorted(COLUMNS))
def test_only_the_columns_queries_filter_keep_statistics(conn, table):
    targets = dict(conn.execute(text(
        "SELECT attname, attstattarget FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 "
        "AND NOT attisdropped"), {"t": table}).all())
    filtered, read_with_row = COLUMNS[table]
    assert {c for c, target in targets.items() if target == 0} == set(read_with_row)
    assert all(targets[c] in (None, -1) for c in filtered)  # the server's default target


def test_analyze_samples_the_filtered_event_columns_only(conn):
    member = unique("m")
    conn.execute(text("INSERT INTO room_event (event_id, room_id, type, member_id, device_id, ip, occurred_at, "
                      "payload) "
                      "SELECT :m || '-' || n, 'room-' || (n % 3), 'comment', :m || (n % 50), 'dev', '10.0.0.1', "
                      "now() - n * interval '1 second', jsonb_build_object('text', 'hi ' || n) "
                      "FROM generate_series(1, 500) n"), {"m": member})
    conn.execute(text("ANALYZE room_event"))
    analyzed = set(conn.execute(text(
        "SELECT attname FROM pg_stats WHERE schemaname = 'public' AND tablename = 'room_event'")).scalars())
    filtered = COLUMNS["room_event"][0]
    assert analyzed == set(filtered)


@pytest.mark.parametrize("table", sorted(COLUMNS) + ["posting", "points_lot"])
def test_autovacuum_paces_its_work_on_the_hot_tables(conn, table):
    options = conn.execute(text("SELECT reloptions FROM pg_class WHERE oid = CAST(:t AS regclass)"),
                           {"t": table}).scalar_one() or []
    assert "autovacuum_vacuum_cost_delay=20" in options
