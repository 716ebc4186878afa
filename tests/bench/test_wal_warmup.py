"""The benchmarks' WAL warm-up writes the WAL, checkpoints after it, and leaves segments ahead of the
one being written, ready for reuse, as a server that has run through checkpoints has them."""

import psycopg

from bench.wal_warmup import preallocate_wal


def _one(url: str, sql: str):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql).fetchone()[0]


def test_the_warm_up_leaves_segments_ready_ahead_of_the_current_one(database_url):
    started = _one(database_url, "SELECT pg_current_wal_lsn()::text")
    figures = preallocate_wal(database_url, megabytes=96)
    # the checkpoint came after the 96 MB of WAL: the segments before it are free to be recycled
    assert _one(database_url, f"SELECT (SELECT redo_lsn FROM pg_control_checkpoint()) - '{started}'::pg_lsn") \
        >= 96 * 2**20
    ahead = _one(database_url, "SELECT count(*) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$' "
                               "AND name > pg_walfile_name(pg_current_wal_lsn())")
    assert ahead >= 4  # 96 MB is six 16 MB segments; they come back renamed for reuse
    assert figures["wal_segments_ready"] >= ahead
