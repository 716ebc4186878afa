"""The benchmark's baseline: one workflow, one no-op activity, the server's ceiling."""

from datetime import timedelta

from temporalio import workflow


@workflow.defn(name="TrivialWorkflow")
class TrivialWorkflow:
    @workflow.run
    async def run(self, value: str) -> str:
        return await workflow.execute_activity("noop", value, result_type=str,
                                               start_to_close_timeout=timedelta(seconds=30))
