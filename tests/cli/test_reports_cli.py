import random
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from core.settings import get_settings


def test_build_prints_the_path_of_a_self_contained_page(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("LIVEPERKS_REPORTS_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        year = random.randint(2001, 2015)
        result = CliRunner().invoke(app, ["reports", "build", "--from", f"{year}-02-02", "--to", f"{year}-02-08"])
        assert result.exit_code == 0, result.output
        path = Path(result.output.strip().splitlines()[-1])
        assert path.is_file() and path.parent == tmp_path and (tmp_path / "index.html").is_file()
        listed = CliRunner().invoke(app, ["reports", "list"])
        assert str(path) in listed.output
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_bad_dates_are_refused_clearly(database_url):
    result = CliRunner().invoke(app, ["reports", "build", "--from", "2026-13-01", "--to", "2026-12-01"])
    assert result.exit_code == 2 and "not a date" in result.output
    result = CliRunner().invoke(app, ["reports", "build", "--from", "2026-12-08", "--to", "2026-12-01"])
    assert result.exit_code == 2 and "before" in result.output
