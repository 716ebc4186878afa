"""room_event's storage choices for 20,000 events/s: a BRIN time index (migration 0020) and no autovacuum
pass after inserts alone (migration 0021), while autoanalyze stays on."""

from sqlalchemy import text


def test_the_time_index_is_brin_and_inserts_alone_start_no_vacuum(conn):
    method = conn.execute(text(
        "SELECT am.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
        "WHERE c.relname = 'ix_room_event_time'")).scalar_one()
    options = conn.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'room_event'")).scalar_one() or []
    assert method == "brin"
    assert "autovacuum_vacuum_insert_threshold=-1" in options
    assert not any(o.startswith(("autovacuum_enabled=", "autovacuum_analyze")) for o in options)  # analyze stays on
