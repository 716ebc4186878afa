"""Nightly storage upkeep (scheduled): VACUUM each append-only table, one activity per table, so a
retry repeats only the table it was on (VACUUM is safe to repeat)."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.storage_upkeep import APPEND_ONLY_TABLES
    from models.storage import UpkeepInput, UpkeepResult, VacuumInput, VacuumResult
    from workflows.retry import DURABLE


@workflow.defn(name="StorageUpkeepWorkflow")
class StorageUpkeepWorkflow:
    @workflow.run
    async def run(self, inp: UpkeepInput) -> UpkeepResult:
        seconds = {}
        for table in inp.tables or APPEND_ONLY_TABLES:
            done = await workflow.execute_activity("vacuum_append_only_table", VacuumInput(table=table),
                                                   result_type=VacuumResult, retry_policy=DURABLE,
                                                   start_to_close_timeout=timedelta(hours=2))
            seconds[table] = done.seconds
        return UpkeepResult(seconds_by_table=seconds)
