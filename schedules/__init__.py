"""Temporal Schedules for the recurring jobs, created or updated idempotently by `dev up`."""

import importlib

from temporalio.client import Client

# Each module has ensure_<name>_schedules(client); areas add theirs here.
AREAS = ["ledger", "coupons", "risk", "reports", "storage"]


async def ensure_all(client: Client) -> list[str]:
    ensured = []
    for area in AREAS:
        try:
            module = importlib.import_module(f"schedules.{area}")
        except ModuleNotFoundError:
            continue
        ensured += await getattr(module, f"ensure_{area}_schedules")(client) or []
    return ensured
