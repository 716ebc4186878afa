"""Recorded reports, for the API and the CLI."""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from models.reports import ReportPublic

COLUMNS = "id, kind, period_from, period_to, timezone, path, headline, created_at, updated_at"


def _public(row) -> ReportPublic:
    return ReportPublic(**row, html_url=f"/v1/reports/{row['id']}/html")


def list_reports(conn: Connection, limit: int = 100) -> list[ReportPublic]:
    rows = conn.execute(text(f"SELECT {COLUMNS} FROM report ORDER BY period_from DESC, id DESC LIMIT :n"),
                        {"n": limit}).mappings().all()
    return [_public(r) for r in rows]


def get_report(conn: Connection, report_id: int) -> ReportPublic | None:
    row = conn.execute(text(f"SELECT {COLUMNS} FROM report WHERE id = :id"), {"id": report_id}).mappings().first()
    return _public(row) if row else None
