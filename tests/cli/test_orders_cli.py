"""`liveperks orders`: a bad file or refund line is refused with where it is wrong, before Temporal is called."""

import json

from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()
ORDER = {"order_id": "o-1", "member_id": "m-1", "amount_paid": "12.50", "paid_at": "2026-01-01T12:00:00Z"}


def _settle(tmp_path, text: str):
    path = tmp_path / "orders.ndjson"
    path.write_text(text, encoding="utf-8")
    return runner.invoke(app, ["orders", "settle", str(path)])


def test_a_bad_order_file_names_the_line_or_item_and_starts_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr("cli.orders.connect", _no_temporal)
    ndjson = _settle(tmp_path, json.dumps(ORDER) + "\n" + '{"order_id": "o-2",\n')
    assert ndjson.exit_code == 2 and "orders.ndjson line 2: not JSON" in ndjson.output
    missing = _settle(tmp_path, json.dumps([ORDER, {**ORDER, "amount_paid": None}]))
    assert missing.exit_code == 2 and "orders.ndjson item 1:" in missing.output and "amount_paid" in missing.output
    single = _settle(tmp_path, json.dumps({"order_id": "o-3"}))
    assert single.exit_code == 2 and "member_id" in single.output
    gone = runner.invoke(app, ["orders", "settle", str(tmp_path / "none.json")])
    assert gone.exit_code == 2 and "No such file" in gone.output


def test_a_refund_line_must_be_sku_equals_quantity(monkeypatch):
    monkeypatch.setattr("cli.orders.connect", _no_temporal)
    for bad in ("sku-1", "sku-1=two", "=2"):
        result = runner.invoke(app, ["orders", "refund", "o-1", "--refund-id", "r-1", "--line", bad])
        assert result.exit_code == 2 and "expected SKU=QTY" in result.output, result.output


async def _no_temporal():
    raise AssertionError("bad input must be refused before Temporal is called")
