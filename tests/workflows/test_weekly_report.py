"""The weekly report: its Temporal Schedule (Mondays 09:00, operator's time zone, idempotent set-up) and
WeeklyReportWorkflow building and recording the week's report through the real worker."""

import asyncio
import random
from datetime import date
from pathlib import Path

from sqlalchemy import text

from core.db import transaction
from core.settings import get_settings
from models.reports import BuildReportResult, WeeklyReportInput
from schedules.reports import WEEKLY_REPORT_SCHEDULE, ensure_report_schedules
from tests.conftest import unique


async def test_schedule_is_mondays_nine_local_and_idempotent(client, worker, monkeypatch):
    try:
        assert await ensure_report_schedules(client) == [WEEKLY_REPORT_SCHEDULE]
        assert await ensure_report_schedules(client) == [WEEKLY_REPORT_SCHEDULE]  # again: updated in place
        assert [s.id async for s in await client.list_schedules()].count(WEEKLY_REPORT_SCHEDULE) == 1
        desc = await client.get_schedule_handle(WEEKLY_REPORT_SCHEDULE).describe()
        spec = desc.schedule.spec
        cal = spec.calendars[0]
        assert spec.time_zone_name == "Asia/Shanghai"
        assert ([r.start for r in cal.day_of_week], [r.start for r in cal.hour], [r.start for r in cal.minute]) == \
            ([1], [9], [0])
        assert desc.schedule.action.workflow == "WeeklyReportWorkflow"
        assert desc.schedule.action.task_queue == worker
        first = desc.info.next_action_times[0]
        assert (first.weekday(), first.hour, first.minute) == (0, 1, 0)  # Monday 09:00 Shanghai = 01:00 UTC
        monkeypatch.setenv("LIVEPERKS_TIMEZONE", "Europe/Berlin")
        get_settings.cache_clear()
        await ensure_report_schedules(client)
        desc = await client.get_schedule_handle(WEEKLY_REPORT_SCHEDULE).describe()
        assert desc.schedule.spec.time_zone_name == "Europe/Berlin"
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        await client.get_schedule_handle(WEEKLY_REPORT_SCHEDULE).delete()


async def test_triggered_schedule_builds_last_weeks_report(client, worker, reports_dir):
    from schedules import ensure_all

    ensured = await ensure_all(client)  # what `dev up` runs
    handle = client.get_schedule_handle(WEEKLY_REPORT_SCHEDULE)
    try:
        assert WEEKLY_REPORT_SCHEDULE in ensured
        await handle.trigger()
        for _ in range(100):
            actions = (await handle.describe()).info.recent_actions
            if actions:
                break
            await asyncio.sleep(0.1)
        run = client.get_workflow_handle(actions[0].action.workflow_id, result_type=BuildReportResult)
        result = await run.result(rpc_timeout=None)
        assert Path(result.path).is_file() and Path(result.path).parent == reports_dir
        assert (reports_dir / "index.html").is_file()
        with transaction() as conn:
            row = conn.execute(text("SELECT kind, period_from, period_to FROM report WHERE id = :i"),
                               {"i": result.report_id}).one()
        assert row.kind == "weekly" and row.period_from.weekday() == 0 and (row.period_to - row.period_from).days == 6
    finally:
        for schedule_id in ensured:
            await client.get_schedule_handle(schedule_id).delete()


async def test_workflow_for_a_given_week_records_one_report(client, worker, reports_dir):
    day = date(random.randint(2001, 2015), 4, 15)
    inp = WeeklyReportInput(timezone="Asia/Shanghai", week_of=day)
    results = [await client.execute_workflow("WeeklyReportWorkflow", inp, id=unique("weekly"), task_queue=worker,
                                             result_type=BuildReportResult) for _ in range(2)]
    assert results[0].report_id == results[1].report_id  # a re-run replaces the week's report
    with transaction() as conn:
        rows = conn.execute(text("SELECT period_from, period_to FROM report WHERE kind = 'weekly' "
                                 "AND period_from <= :d AND period_to >= :d"), {"d": day}).all()
    assert len(rows) == 1 and rows[0].period_from.weekday() == 0
