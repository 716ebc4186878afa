"""The risk demo step plays on the real stack (worker, API in-process) and fills its summary rows."""

from rich.console import Console
from sqlalchemy import text

from core.db import transaction

from demo.context import DemoContext
from demo.steps import risk


async def test_demo_step_catches_attackers(client, worker, http, token, monkeypatch):
    import httpx

    original = httpx.AsyncClient

    def in_process(*args, **kwargs):  # the step talks HTTP; here the app runs in-process
        kwargs["transport"] = httpx.ASGITransport(app=__import__("api.main").main.app)
        return original(*args, **kwargs)

    monkeypatch.setattr(httpx, "AsyncClient", in_process)
    operator = token("operator")["Authorization"].split()[1]
    ctx = DemoContext(client=client, api_url="http://api", tokens={"operator": operator}, console=Console(quiet=True))
    try:
        await risk.play(ctx)
    finally:
        with transaction() as conn:  # leave no model serving for the other tests' settlements
            conn.execute(text("UPDATE risk_model SET status = 'retired' WHERE status = 'serving'"))
    rows = {label: value for _, label, value in ctx.summary}
    # the target is 95 %; measured 98.4 % here (150 genuine viewers an hour, seed 7; docs/risk.md)
    assert float(rows["with the model: attacker value held or denied"].rstrip("%")) >= 90
    assert float(rows["with the model: genuine grants held or denied"].split("%")[0]) <= 1.0
