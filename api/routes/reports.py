"""Operators: the weekly effectiveness reports (list, figures, the HTML page itself) and ad-hoc builds."""

from datetime import date
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import HTMLResponse

from api.deps import require
from core.db import transaction
from core.settings import get_settings
from domain.report_period import period
from models.api_keys import Role
from models.reports import BuildReportResult, ReportPublic
from queries.reports import get_report, list_reports
from reports.build import build_report

router = APIRouter(prefix="/v1/reports", tags=["reports"], dependencies=[Depends(require(Role.OPERATOR))])


@router.get("", response_model=list[ReportPublic])
def reports(limit: int = Query(100, ge=1, le=1000)) -> list[ReportPublic]:
    """Every recorded report, newest period first, with its headline figures."""
    with transaction() as conn:
        return list_reports(conn, limit)


@router.get("/{report_id}", response_model=ReportPublic)
def report(report_id: int) -> ReportPublic:
    """One report's period, file and headline figures; its page is at `html_url`."""
    with transaction() as conn:
        found = get_report(conn, report_id)
    if found is None:
        raise HTTPException(404, f"no report {report_id}")
    return found


@router.get("/{report_id}/html", response_class=HTMLResponse, responses={200: {"content": {"text/html": {}}}})
def report_html(report_id: int) -> HTMLResponse:
    """The self-contained HTML page of one report."""
    found = report(report_id)
    path = Path(found.path)
    if not path.is_file():
        raise HTTPException(410, f"report {report_id}'s file {path.name} is gone from disk; build it again")
    return HTMLResponse(path.read_text(encoding="utf-8"))


@router.post("/build", response_model=BuildReportResult)
def build(period_from: date = Query(..., alias="from"), period_to: date = Query(..., alias="to")) -> BuildReportResult:
    """Build (or rebuild) the report of any period, local days in the operator's time zone, inclusive."""
    settings = get_settings()
    p = period(period_from, period_to, settings.timezone)
    with transaction() as conn:
        return build_report(conn, p, settings, parallel=True)
