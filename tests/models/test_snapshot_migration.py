"""Migration 0017 moves the stored trigger-state snapshots from jsonb to compressed bytes and back."""

import uuid
import zlib

import orjson
import psycopg
from alembic import command

from core.migrate import alembic_config, upgrade

STATE = {"viewers": {"m1": {"w": 90.0, "d": "dev-1", "i": "10.0.0.1"}}, "room": {"likes": 7}}


def _scratch_database(database_url: str) -> str:
    name = f"mig_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return database_url.rsplit("/", 1)[0] + f"/{name}"


def test_snapshots_survive_the_move_to_compressed_bytes_and_back(database_url):
    url = _scratch_database(database_url)
    upgrade(url, "0016_member_balance_hot")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO campaign_snapshot (campaign_id, room_id, event_id, state) "
                     "VALUES ('c', 'r', 42, %s::jsonb)", (orjson.dumps(STATE).decode(),))
    upgrade(url, "0017_snapshot_compressed")
    with psycopg.connect(url) as conn:
        stored, event_id = conn.execute("SELECT state, event_id FROM campaign_snapshot").fetchone()
    assert (orjson.loads(zlib.decompress(stored)), event_id) == (STATE, 42)
    command.downgrade(alembic_config(url), "0016_member_balance_hot")
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT state FROM campaign_snapshot").fetchone()[0] == STATE
