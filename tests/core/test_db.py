"""jsonb values come back as the standard library would decode them, through SQLAlchemy and the raw driver."""

import json
from datetime import datetime, timezone

import numpy as np
import pytest
from sqlalchemy import text

from core.db import json_loads, json_text, transaction

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
