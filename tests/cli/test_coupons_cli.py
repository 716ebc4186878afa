"""`liveperks coupons` and `liveperks exchanges` against the real database."""

import json
from datetime import datetime, timedelta, timezone

from typer.testing import CliRunner

from activities import ledger
from cli.main import app
from core.db import transaction
from tests.conftest import unique

runner = CliRunner()


def test_template_issue_validate_and_exchange(database_url, tmp_path):
    tpl, member, offer = unique("tpl"), unique("m"), unique("offer")
    (tmp_path / "t.json").write_text(json.dumps({"id": tpl, "name": "10% off, max 20", "kind": "percent_off",
                                                 "percent_off": 10, "max_discount": "20", "valid_hours": 2,
                                                 "per_member_limit": None}))
    created = runner.invoke(app, ["coupons", "templates", "create", str(tmp_path / "t.json")])
    assert created.exit_code == 0 and f"created {tpl}" in created.output
    assert tpl in runner.invoke(app, ["coupons", "templates", "list"]).output
    issued = runner.invoke(app, ["coupons", "issue", tpl, member, "--key", unique("k")])
    code = json.loads(issued.output)["coupon_code"]
    assert code in runner.invoke(app, ["coupons", "list", member, "--status", "available"]).output
    (tmp_path / "cart.json").write_text(json.dumps({"member_id": member, "coupon_codes": [code],
                                                    "lines": [{"sku": "s", "unit_price": "300", "quantity": 1}]}))
    checked = json.loads(runner.invoke(app, ["coupons", "validate", str(tmp_path / "cart.json")]).output)
    assert checked["total_discount"] == "20.00"

    (tmp_path / "o.json").write_text(json.dumps({"id": offer, "kind": "coupon", "name": "x", "price_points": 80,
                                                 "template_id": tpl}))
    assert runner.invoke(app, ["exchanges", "offers", "create", str(tmp_path / "o.json")]).exit_code == 0
    refused = runner.invoke(app, ["exchanges", "buy", member, offer])
    assert refused.exit_code == 1 and "0 points available, 80 needed" in refused.output
    with transaction() as conn:
        ledger.credit_available(conn, key=unique("g"), member_id=member, points=100, reference="t",
                                now=datetime.now(timezone.utc), lifetime=timedelta(days=9), source="test")
    bought = runner.invoke(app, ["exchanges", "buy", member, offer, "--request-id", "r1"])
    assert bought.exit_code == 0 and json.loads(bought.output)["coupon_code"]


def test_bad_template_is_refused_with_a_clear_error(database_url, tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps({"id": unique("tpl"), "name": "x", "kind": "percent_off",
                                                   "percent_off": 150, "max_discount": "5", "valid_hours": 2}))
    result = runner.invoke(app, ["coupons", "templates", "create", str(tmp_path / "bad.json")])
    assert result.exit_code == 2 and "percent_off must be between 1 and 99" in result.output
