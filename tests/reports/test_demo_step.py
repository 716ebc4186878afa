"""The demo step, played against the in-process API and the test Temporal server."""

import httpx
from rich.console import Console

from core.settings import get_settings
from demo.context import DemoContext
from schedules.reports import WEEKLY_REPORT_SCHEDULE


async def test_demo_step_builds_the_report_and_prints_its_path(client, http, token, tmp_path, monkeypatch, capsys):
    from demo.steps import report

    monkeypatch.setenv("LIVEPERKS_REPORTS_DIR", str(tmp_path))
    get_settings.cache_clear()
    operator = token("operator")["Authorization"].split()[1]
    real_client = httpx.AsyncClient

    def in_process(**kw):  # the step's HTTP calls go to the in-process app
        return real_client(transport=http._transport, **kw)

    monkeypatch.setattr(report.httpx, "AsyncClient", in_process)
    ctx = DemoContext(client=client, api_url="http://api", tokens={"operator": operator}, console=Console())
    try:
        await report.play(ctx)
    finally:
        await client.get_schedule_handle(WEEKLY_REPORT_SCHEDULE).delete()
        monkeypatch.undo()
        get_settings.cache_clear()
    path = capsys.readouterr().out.strip().splitlines()[-1]
    assert path.startswith(str(tmp_path)) and path.endswith(".html")
    assert ("reports", "report file", path) in ctx.summary
