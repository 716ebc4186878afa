"""Build one report: gather in SQL, render, write the file, record it, refresh the index page.

The row is keyed by (kind, period, time zone): building the same period again replaces the file and its
figures with the current ones, so a retried or re-run build leaves exactly one report for the period."""

import json
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.engine import Connection

from core.settings import Settings
from domain.report_period import Period
from models.reports import BuildReportResult
from reports.gather import gather
from reports.render import render_index, render_report

UPSERT = """
    INSERT INTO report (kind, period_from, period_to, timezone, path, headline, built_seconds)
    VALUES (:kind, :first, :last, :tz, :path, CAST(:headline AS jsonb), :seconds)
    ON CONFLICT ON CONSTRAINT uq_report_period DO UPDATE SET path = EXCLUDED.path, headline = EXCLUDED.headline,
        built_seconds = EXCLUDED.built_seconds, updated_at = now()
    RETURNING id"""


def _write(path: Path, content: str) -> None:
    """Write beside and rename, so a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(content, encoding="utf-8")
    os.replace(tmp, path)


def local_now(settings: Settings) -> str:
    return datetime.now(timezone.utc).astimezone(ZoneInfo(settings.timezone)).strftime("%Y-%m-%d %H:%M %Z")


def build_report(conn: Connection, p: Period, settings: Settings, *, kind: str = "adhoc",
                 parallel: bool = False) -> BuildReportResult:
    """parallel: see reports.gather.gather (the activity, CLI, API and benchmark use it)."""
    started = time.perf_counter()
    data = gather(conn, p, settings, parallel=parallel)
    html = render_report(data, generated_at=local_now(settings))
    folder = settings.resolved_reports_dir()
    path = folder / f"report-{kind}-{p.first}-{p.last}.html"
    _write(path, html)
    seconds = time.perf_counter() - started
    report_id = conn.execute(text(UPSERT), {"kind": kind, "first": p.first, "last": p.last, "tz": p.timezone,
                                            "path": str(path), "headline": json.dumps(data["headline"]),
                                            "seconds": seconds}).scalar_one()
    write_index(conn, folder, settings)
    return BuildReportResult(report_id=report_id, path=str(path), seconds=seconds, headline=data["headline"])


def write_index(conn: Connection, folder: Path, settings: Settings) -> Path:
    """index.html beside the reports, linking every recorded report whose file is in this folder."""
    rows = conn.execute(text("SELECT id, kind, period_from, period_to, path, headline, updated_at FROM report "
                             "ORDER BY period_from DESC, id DESC")).mappings().all()
    listed = [{**r, "file": Path(r["path"]).name, "updated_at": r["updated_at"].strftime("%Y-%m-%d %H:%M")}
              for r in rows if Path(r["path"]).parent == folder]
    index = folder / "index.html"
    _write(index, render_index(listed, generated_at=local_now(settings)))
    return index
