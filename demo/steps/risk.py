"""Risk: labeled attackers in simulated live rooms, caught before their grants; genuine viewers pass.

1. cold start: an hour of 12 rooms with genuine viewers, a device farm, a proxy pool, enter/leave
   farmers, comment spammers and coupon hunters; every grant is scored at its moment (rules decide
   while no model serves). 2. an operator reviews the held grants (the first few over the HTTP API):
   rejections become fraud labels. 3. RiskTrainingWorkflow trains a calibrated classifier and
   promotes it if not worse. 4. a fresh hour with new accounts, scored by rules + the model.
"""

import asyncio
import time
from uuid import uuid4

import httpx

from activities.risk_review import decide
from core.db import transaction
from demo.context import DemoContext
from models.risk import PromoteResult, TrainInput
from risk.simulation import play as simulate_hour, summary

GENUINE = 150


def _hour(seed: int, tag: str):
    with transaction() as conn:
        return simulate_hour(conn, seed=seed, genuine=GENUINE, minutes=60, tag=tag)


def _rows(ctx: DemoContext, label: str, figures: dict) -> None:
    ctx.summary += [
        ("risk", f"{label}: attacker value held or denied", f"{figures['attacker_value_stopped']:.1%}"),
        ("risk", f"{label}: points / coupon value saved",
         f"{figures['points_saved']} points / {figures['coupon_fen_saved'] / 100:.2f} yuan"),
        ("risk", f"{label}: genuine grants held or denied",
         f"{figures['genuine_stopped_share']:.1%} of {figures['genuine_grants']}")]


async def play(ctx: DemoContext) -> None:
    run = f"risk{int(time.time())}"
    first = await asyncio.to_thread(_hour, ctx.seed, f"{run}a")
    cold = summary(first.stats)
    ctx.console.print(f"cold start (rules): {cold}")
    _rows(ctx, "cold start", cold)

    headers = {"Authorization": f"Bearer {ctx.tokens['operator']}"}
    async with httpx.AsyncClient(base_url=ctx.api_url, headers=headers, timeout=30) as api:
        for decision_id, actor in first.held[:3]:
            verb = "approve" if actor == "genuine" else "reject"
            (await api.post(f"/v1/risk/review/{decision_id}/{verb}", json={"note": "demo reviewer"})).raise_for_status()

    def review_rest() -> None:
        with transaction() as conn:
            for decision_id, actor in first.held[3:]:
                decide(conn, decision_id, approve=actor == "genuine", reviewer="demo")
    await asyncio.to_thread(review_rest)
    ctx.summary.append(("risk", "held grants reviewed (rejections become labels)", str(len(first.held))))

    result = await ctx.client.execute_workflow(
        "RiskTrainingWorkflow", TrainInput(days=2, requested_by="demo"), id=f"risk-training-demo-{uuid4().hex[:8]}",
        task_queue=_task_queue(), result_type=PromoteResult)
    ctx.console.print(f"training: {result}")
    ctx.summary.append(("risk", "model", f"{result.version} {'promoted' if result.promoted else 'kept old'}: "
                                         f"{result.reason}"))

    second = summary((await asyncio.to_thread(_hour, ctx.seed + 1, f"{run}b")).stats)
    ctx.console.print(f"with the model: {second}")
    _rows(ctx, "with the model", second)


def _task_queue() -> str:
    from core.settings import get_settings

    return get_settings().task_queue
