"""The per-statement breakdown: with LIVEPERKS_PG_STAT_STATEMENTS on, the embedded server loads
pg_stat_statements, counting starts afresh, and the statements run since come back, the longest first."""

import pytest
from sqlalchemy import create_engine, text

from bench.statements import start_counting, top_statements
from core.db import sqlalchemy_url
from core.settings import get_settings
from tests.stack import start_postgres


@pytest.fixture
def counting_server(tmp_path, monkeypatch):
    monkeypatch.setenv("LIVEPERKS_PG_STAT_STATEMENTS", "true")
    get_settings.cache_clear()
    pg = start_postgres(tmp_path)
    engine = create_engine(sqlalchemy_url(pg.url))
    try:
        yield engine
    finally:
        engine.dispose()
        pg.stop()
        monkeypatch.delenv("LIVEPERKS_PG_STAT_STATEMENTS")
        get_settings.cache_clear()


def test_statements_since_the_start_come_back_the_longest_first(counting_server):
    with counting_server.begin() as conn:
        conn.execute(text("SELECT 'before counting'"))
        start_counting(conn)
    with counting_server.begin() as conn:
        conn.execute(text("SELECT pg_sleep(0.2)"))
        for _ in range(3):
            conn.execute(text("SELECT count(*) FROM generate_series(1, 10)"))
        rows = top_statements(conn)
    assert "pg_sleep" in rows[0]["statement"] and rows[0]["exec_s"] >= 0.2
    series = next(r for r in rows if "generate_series" in r["statement"])
    assert series["calls"] == 3 and series["rows"] == 3
    assert not any("before counting" in r["statement"] for r in rows)
    assert [r["exec_s"] for r in rows] == sorted((r["exec_s"] for r in rows), reverse=True)
