"""Nightly expiry of points lots at 02:00 in the operator's time zone."""

from temporalio.client import Client

from schedules.upsert import cron_schedule, upsert_schedule


async def ensure_ledger_schedules(client: Client) -> list[str]:
    schedule = cron_schedule("ExpirePointsWorkflow", workflow_id="expire-points", cron="0 2 * * *")
    return [(await upsert_schedule(client, "nightly-points-expiry", schedule)).id]
