"""WeeklyReportWorkflow: started by the Monday 09:00 schedule (schedules/reports.py) for the week before.

The period is computed from workflow.now() (deterministic on replay) in the operator's time zone; building
is one activity, which replaces the week's report if it is retried or run again."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.report_period import week_before, week_of
    from models.reports import BuildReportInput, BuildReportResult, WeeklyReportInput
    from workflows.retry import DURABLE


@workflow.defn(name="WeeklyReportWorkflow")
class WeeklyReportWorkflow:
    @workflow.run
    async def run(self, inp: WeeklyReportInput) -> BuildReportResult:
        p = week_of(inp.week_of, inp.timezone) if inp.week_of else week_before(workflow.now(), inp.timezone)
        return await workflow.execute_activity(
            "build_report", BuildReportInput(period_from=p.first, period_to=p.last, kind="weekly",
                                             timezone=inp.timezone),
            result_type=BuildReportResult, start_to_close_timeout=timedelta(minutes=15), retry_policy=DURABLE)
