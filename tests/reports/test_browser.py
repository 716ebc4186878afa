"""Open a report of a simulated week in headless Chromium, as an operator would: it loads with no console
errors, every chart is there and has marks in it, and a full-page screenshot is written for review."""

import random
from datetime import date

import pytest

from core.settings import get_settings
from domain.report_period import week_of
from reports.build import build_report
from simulator.report_week import simulate_week
from tests.conftest import unique
from tests.reports.browser import chromium, screenshot_dir


@pytest.fixture
def built(conn, tmp_path, monkeypatch):
    monkeypatch.setenv("LIVEPERKS_REPORTS_DIR", str(tmp_path))
    get_settings.cache_clear()
    p = week_of(date(random.randint(2001, 2015), 9, 10), "Asia/Shanghai")
    # Last week light, this week busier: week over week has something to say.
    simulate_week(conn, prefix=unique("prev") + "-", start=p.previous().start, events=30_000, orders=3_000,
                  members=15_000, experiment=False)
    simulate_week(conn, prefix=unique("sim") + "-", start=p.start, events=80_000, orders=6_000, members=20_000)
    yield build_report(conn, p, get_settings(), kind="weekly")
    monkeypatch.undo()
    get_settings.cache_clear()


def test_report_opens_cleanly_in_chromium(built):
    html = open(built.path, encoding="utf-8").read()
    assert "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html and "@import" not in html and "url(" not in html
    with chromium() as browser:
        browser.get(f"file://{built.path}")
        assert browser.title.startswith("liveperks report")
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == [], errors
        charts = browser.find_elements("css selector", "svg.chart")
        names = [c.get_attribute("data-chart") for c in charts]
        assert {"points-trend", "points-by-rule", "buyers-conversion", "rules-plays", "coupons-by_trigger",
                "coupons-by_denomination", "coupons-by_session_hour"} <= set(names)
        assert any(n.startswith("experiment-") for n in names)
        for chart in charts:
            marks = chart.find_elements("css selector", ".mark")
            assert marks, f"chart {chart.get_attribute('data-chart')} is empty"
            size = chart.size
            assert size["width"] > 100 and size["height"] > 20, chart.get_attribute("data-chart")
        for section in ("points", "coupons", "buyers", "rules", "risk", "experiments", "wow"):
            reading = browser.find_element("css selector", f"#{section} .reading").text
            assert reading.endswith(".") or reading.endswith(")"), (section, reading)
        height = browser.execute_script("return document.body.scrollHeight")
        browser.set_window_size(1200, min(height + 100, 12000))
        shot = screenshot_dir() / "weekly-report.png"
        assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 20_000
        browser.get(f"file://{built.path.rsplit('/', 1)[0]}/index.html")
        assert browser.find_elements("css selector", "table a")
        assert browser.get_log("browser") == [] or all(e["level"] != "SEVERE" for e in browser.get_log("browser"))
