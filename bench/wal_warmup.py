"""Give a fresh benchmark cluster the WAL segments a server that has been running already has.

A server recycles the WAL segments a checkpoint no longer needs: it renames them for reuse, so
writing WAL rarely creates a file. A fresh cluster under a write-heavy load creates a new 16 MB
segment every second or so, and the backend that needs it writes the whole file full of zeroes
first (`wal_init_zero`) while every commit waits behind it. Turning that off instead leaves the
new files sparse, and the 300 s runs got worse (p99 9.8-12.1 s against 4.3 s; presumably each
commit's fsync then commits the file system's journal, slow once the backends write data pages
too). So the benchmark writes that much WAL before it starts (logical messages: WAL only, no
table) and checkpoints, and the run writes into recycled segments.
"""

import time

import psycopg


def preallocate_wal(database_url: str, *, megabytes: int) -> dict:
    """Write `megabytes` of WAL and checkpoint, leaving as many segments ready for reuse."""
    started = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_logical_emit_message(false, 'liveperks-wal-warmup', repeat('x', 1048576)) "
                     "FROM generate_series(1, %s)", (megabytes,))
        conn.execute("SELECT pg_switch_wal()")
        conn.execute("CHECKPOINT")
        ready = conn.execute("SELECT count(*) FROM pg_ls_waldir()").fetchone()[0]
    return {"wal_segments_ready": ready, "wal_warmup_s": round(time.perf_counter() - started, 1)}
