"""The storage upkeep: every table whose insert-triggered autovacuum is off is vacuumed by it, a pass
really vacuums (PostgreSQL counts it), an unknown table is refused, and the nightly schedule and the
workflow run through the real worker."""

import asyncio
import time

import pytest
from sqlalchemy import text

from activities.storage_upkeep import APPEND_ONLY_TABLES, vacuum_table
from core.db import transaction
from domain.errors import BadInput
from models.storage import UpkeepInput, UpkeepResult
from schedules.storage import STORAGE_UPKEEP_SCHEDULE, ensure_storage_schedules
from tests.conftest import unique


def _vacuum_count(table: str) -> int:
    with transaction() as conn:
        return conn.execute(text("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = :t"),
                            {"t": table}).scalar_one()


def test_the_upkeep_covers_every_table_without_insert_vacuum(conn):
    off = set(conn.execute(text(
        "SELECT relname FROM pg_class WHERE 'autovacuum_vacuum_insert_threshold=-1' = ANY(reloptions)")).scalars())
    assert off == set(APPEND_ONLY_TABLES)


def _counted_after(table: str, before: int) -> int:
    for _ in range(50):  # the statistics reach the shared counters within moments
        count = _vacuum_count(table)
        if count > before:
            return count
        time.sleep(0.1)
    return _vacuum_count(table)


def test_a_pass_vacuums_the_table(database_url):
    before = _vacuum_count("room_event")
    assert vacuum_table("room_event") >= 0
    assert _counted_after("room_event", before) == before + 1


def test_an_unknown_table_is_refused_and_nothing_runs(database_url):
    before = _vacuum_count("member_balance")
    with pytest.raises(BadInput, match="unknown append-only table 'member_balance'"):
        vacuum_table("member_balance")
    with pytest.raises(BadInput):
        vacuum_table('posting; DROP TABLE posting')
    assert _vacuum_count("member_balance") == before


async def test_the_workflow_vacuums_each_table_once(client, worker):
    tables = list(APPEND_ONLY_TABLES)
    before = {t: _vacuum_count(t) for t in tables}
    result = await client.execute_workflow("StorageUpkeepWorkflow", UpkeepInput(tables=tables), id=unique("upkeep"),
                                           task_queue=worker, result_type=UpkeepResult)
    assert list(result.seconds_by_table) == tables
    assert {t: await asyncio.to_thread(_counted_after, t, before[t]) for t in tables} == \
        {t: before[t] + 1 for t in tables}


async def test_the_nightly_schedule_is_off_peak_local_and_idempotent(client, worker):
    try:
        assert await ensure_storage_schedules(client) == [STORAGE_UPKEEP_SCHEDULE]
        assert await ensure_storage_schedules(client) == [STORAGE_UPKEEP_SCHEDULE]  # again: updated in place
        assert [s.id async for s in await client.list_schedules()].count(STORAGE_UPKEEP_SCHEDULE) == 1
        desc = await client.get_schedule_handle(STORAGE_UPKEEP_SCHEDULE).describe()
        assert desc.schedule.spec.time_zone_name == "Asia/Shanghai"
        assert desc.schedule.action.workflow == "StorageUpkeepWorkflow"
        assert desc.schedule.action.task_queue == worker
        first = desc.info.next_action_times[0]
        assert (first.hour, first.minute) == (20, 30)  # 04:30 in Shanghai is 20:30 UTC the day before
    finally:
        await client.get_schedule_handle(STORAGE_UPKEEP_SCHEDULE).delete()
