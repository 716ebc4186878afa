"""Build a report for a period (the weekly workflow's activity; the CLI and API call build_report directly)."""

from temporalio import activity

from core.db import transaction
from core.settings import get_settings
from domain.report_period import period
from models.reports import BuildReportInput, BuildReportResult
from reports.build import build_report


@activity.defn(name="build_report")
def build_report_activity(inp: BuildReportInput) -> BuildReportResult:
    settings = get_settings()
    p = period(inp.period_from, inp.period_to, inp.timezone or settings.timezone)
    with transaction() as conn:
        return build_report(conn, p, settings, kind=inp.kind, parallel=True)
