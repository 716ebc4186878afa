"""jsonb values come back as the standard library would decode them, through SQLAlchemy and the raw driver;
statements planned on every call follow their tables' growth."""

import json
from datetime import datetime, timezone

import numpy as np
import pytest
from sqlalchemy import text

from core.db import json_loads, json_text, planned_each_call, transaction

pytestmark = pytest.mark.usefixtures("database_url")
VALUE = {"text": "想要 🎁", "count": 3, "ratio": 0.25, "huge": 2**70, "nested": [None, True, {"k": "v"}]}


def test_jsonb_round_trips_including_integers_beyond_64_bits():
    with transaction() as conn:
        through_sqlalchemy = conn.execute(text("SELECT CAST(:v AS jsonb)"), {"v": json.dumps(VALUE)}).scalar()
        with conn.connection.driver_connection.cursor() as cur:
            cur.execute("SELECT %s::jsonb", (json.dumps(VALUE),))
            through_driver = cur.fetchone()[0]
    assert through_sqlalchemy == through_driver == VALUE


def test_json_loads_decodes_what_orjson_refuses_too():
    assert json_loads(b'{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    assert json_loads(str(2**70)) == 2**70


def test_json_text_writes_what_json_dumps_with_str_default_wrote():
    when = datetime(2026, 12, 2, 20, 0, tzinfo=timezone.utc)
    for value in (VALUE, {"at": when, "rule": "watch", "none": None}, {1: "int key"}, {"big": -(2**70)}):
        assert json.loads(json_text(value)) == json.loads(json.dumps(value, default=str, ensure_ascii=False))
    assert json_text({"at": when}) == '{"at":"2026-12-02 20:00:00+00:00"}'  # str(), as the ledger's details were
    assert json_text({"score": np.float64(0.5), "n": np.int64(3)}) == '{"score":0.5,"n":3}'


def test_planned_each_call_plans_for_the_table_as_it_has_grown_not_as_it_was(conn):
    """A prepared statement's generic plan made while a table was empty reads the whole table once it has
    grown; planned on every call, the same lookup goes by the index, and nothing is prepared."""
    conn.execute(text("CREATE TABLE grown (LIKE campaign_grant INCLUDING ALL)"))  # rolled back with the test
    lookup = "SELECT idempotency_key FROM grown WHERE idempotency_key = ANY(CAST(%(k)s AS text[]))"
    raw = conn.connection.driver_connection
    for _ in range(12):  # while empty, as at a deployment's or a benchmark's start
        raw.execute(lookup, {"k": ["k1", "k2"]}, prepare=True)
        assert planned_each_call(conn, lookup, {"k": ["k1", "k2"]}) == []
    conn.execute(text("INSERT INTO grown SELECT g, 'k' || g, 'c', 'r', 'room', 'm' || g, 'points', 10, '', '', 0, "
                      "'granted', '', 0, 'd', 'ip', g FROM generate_series(1, 50000) AS g"))
    prepared = "SELECT name FROM pg_prepared_statements WHERE statement LIKE 'SELECT idempotency_key FROM grown%'"
    [(name,)] = raw.execute(prepared).fetchall()  # the one prepared above only: the helper's calls prepared nothing
    cached = "\n".join(r[0] for r in raw.execute(f"EXPLAIN EXECUTE {name}('{{k1,k2}}')").fetchall())
    planned = "\n".join(line for (line,) in planned_each_call(conn, f"EXPLAIN {lookup}", {"k": ["k1", "k2"]}))
    assert "Seq Scan" in cached  # the trap: psycopg's prepared statement, PostgreSQL's generic plan
    assert "Seq Scan" not in planned and "idempotency_key" in planned
    assert sorted(planned_each_call(conn, lookup, {"k": ["k1", "k2", "none"]})) == [("k1",), ("k2",)]
