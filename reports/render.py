"""jinja2 rendering of a report and of the index page: one self-contained HTML file each."""

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from reports import charts, readings
from reports.format import change, num, pct, yuan
from reports.gather import HEADLINES

TEMPLATES = Path(__file__).parent / "templates"
FORMATS = {"num": num, "pct": pct, "yuan": yuan}


@lru_cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(yuan=yuan, pct=pct, num=num)
    env.globals.update(charts=charts, readings=readings, num=num, pct=pct, yuan=yuan)
    return env


def week_over_week(now: dict, before: dict) -> list[dict]:
    rows = []
    for key, label, kind in HEADLINES:
        fmt = FORMATS[kind]
        rows.append({"label": label, "now": fmt(now.get(key)), "before": fmt(before.get(key)),
                     "change": change(now.get(key), before.get(key))})
    return rows


def render_report(data: dict, *, generated_at: str) -> str:
    wow = week_over_week(data["headline"], data["previous"])
    return environment().get_template("report.html.j2").render(
        p=data["period"], s=data["sections"], h=data["headline"], wow=wow, generated_at=generated_at)


def render_index(reports: list[dict], *, generated_at: str) -> str:
    return environment().get_template("index.html.j2").render(reports=reports, generated_at=generated_at)
