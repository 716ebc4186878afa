"""Demo step: set up the Monday 09:00 report schedule, then build the report of the demo period (the last
seven local days, today included) through the operator API, and print where the HTML page is."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from core.settings import get_settings
from demo.context import DemoContext
from reports.format import num, yuan
from schedules.reports import WEEKLY_REPORT_SCHEDULE, ensure_report_schedules


async def play(ctx: DemoContext) -> None:
    settings = get_settings()
    await ensure_report_schedules(ctx.client)
    ctx.console.print(f"[bold]Reports[/]: schedule {WEEKLY_REPORT_SCHEDULE} ensured "
                      f"(Mondays 09:00 {settings.timezone})")
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    first = today - timedelta(days=6)
    headers = {"Authorization": f"Bearer {ctx.tokens['operator']}"}
    async with httpx.AsyncClient(base_url=ctx.api_url, headers=headers, timeout=120) as http:
        built = await http.post("/v1/reports/build", params={"from": str(first), "to": str(today)})
        built.raise_for_status()
        result = built.json()
        listed = (await http.get("/v1/reports")).json()
    h = result["headline"]
    ctx.console.print(f"  report {result['report_id']} for {first} – {today} built in {result['seconds']:.1f}s")
    ctx.console.print(f"  open it: [link=file://{result['path']}]{result['path']}[/link]")
    ctx.summary += [("reports", "report file", result["path"]),
                    ("reports", "GMV in the period", yuan(h.get("gmv_fen"))),
                    ("reports", "points issued / consumed", f"{num(h.get('points_issued'))} / "
                                                            f"{num(h.get('points_consumed'))}"),
                    ("reports", "reports recorded", str(len(listed)))]
    print(result["path"], flush=True)
