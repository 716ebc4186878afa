"""Nightly expiry of points lots (scheduled), batch after batch until nothing is due."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.expiry import ExpireInput, ExpireResult
    from workflows.retry import DB_ACTIVITY


@workflow.defn(name="ExpirePointsWorkflow")
class ExpirePointsWorkflow:
    @workflow.run
    async def run(self) -> dict:
        now, lots, points = workflow.now(), 0, 0
        while True:
            batch = await workflow.execute_activity("expire_points", ExpireInput(now=now), result_type=ExpireResult,
                                                    **DB_ACTIVITY)
            lots, points = lots + batch.lots, points + batch.points
            if not batch.more:
                return {"lots": lots, "points": points}
