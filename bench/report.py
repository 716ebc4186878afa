"""Benchmark: build the weekly report over 10 million room events and 1 million orders.

    python -m bench.report [--events N] [--orders N] [--members N]

Data is generated in SQL (generate_series, simulator/report_week.py), then one report is built exactly as
the weekly workflow's activity builds it. Figures: seconds (the build only), peak_rss_mb (this Python
process), generate_seconds (load, index builds, VACUUM ANALYZE), events, orders. Target: under 30 s and
under 1 GB on a 2-core machine."""

import argparse
import asyncio
import os
import resource
import tempfile
import time
from datetime import date

from sqlalchemy import text

from bench.bulk import skip_row_triggers, without_indexes
from bench.stack import bench_stack, emit

BULK_TABLES = ["room_event", "settlement", "journal_entry", "posting", "points_lot"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


async def main(events: int, orders: int, members: int) -> None:
    # The throwaway cluster gets memory for a 1.1 GB event table (default 128 MB) and fewer checkpoints
    # during the multi-gigabyte load, unless set otherwise.
    async with bench_stack(server={"shared_buffers": "1GB", "max_wal_size": "8GB", "checkpoint_timeout": "30min"}):
        from core.db import get_engine, transaction
        from core.settings import get_settings
        from domain.report_period import week_of
        from reports.build import build_report
        from simulator.report_week import simulate_week

        os.environ["LIVEPERKS_REPORTS_DIR"] = tempfile.mkdtemp(prefix="liveperks-bench-reports-")
        get_settings.cache_clear()
        settings = get_settings()
        p = week_of(date(2026, 11, 9), settings.timezone)
        started = time.perf_counter()
        with transaction() as conn, without_indexes(conn, BULK_TABLES):
            skip_row_triggers(conn)
            simulate_week(conn, prefix="b", start=p.start, events=events, orders=orders, members=members)
        with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # A week's data in production is days old and autovacuumed (insert-triggered since PostgreSQL 13):
            # hint bits set and pages all-visible. Fresh from the generator, the first read of 10 M rows would
            # rewrite every page; that is seeding, not the report, so it happens here.
            conn.execute(text("VACUUM (ANALYZE)"))
        with transaction() as conn:
            counts = conn.execute(text("SELECT (SELECT count(*) FROM room_event), (SELECT count(*) FROM settlement), "
                                       "(SELECT count(*) FROM journal_entry)")).one()
        generate_seconds = time.perf_counter() - started
        print(f"generated {counts[0]:,} events, {counts[1]:,} orders, {counts[2]:,} journal entries "
              f"in {generate_seconds:.1f}s", flush=True)
        started = time.perf_counter()
        with transaction() as conn:
            result = build_report(conn, p, settings, kind="weekly", parallel=True)
        seconds = time.perf_counter() - started
        print(f"report: {result.path}", flush=True)
        emit({"seconds": round(seconds, 2), "peak_rss_mb": round(peak_rss_mb(), 1), "events": counts[0],
              "orders": counts[1], "journal_entries": counts[2], "members": members,
              "generate_seconds": round(generate_seconds, 1), "target_seconds": 30, "target_rss_mb": 1024})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=2_000_000)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.orders, args.members))
