"""`liveperks risk evaluate` on a small synthetic labeled log, and `risk models` / `risk review`."""

import csv
import json
import random
from datetime import datetime, timedelta, timezone

from typer.testing import CliRunner

from cli.main import app


def _write_log(path, epoch_ms: bool):
    """Bots click from a few IPs in rapid regular bursts and never convert; people click now and then."""
    rng = random.Random(4)
    start = datetime(2024, 3, 1, tzinfo=timezone.utc)
    rows = []
    for i in range(1000):
        bot = rng.random() < 0.6
        ip = (f"10.0.{rng.randint(0, 2)}.{rng.randint(1, 5)}" if bot
              else f"172.16.{rng.randint(0, 255)}.{rng.randint(1, 254)}")
        at = start + timedelta(seconds=i * 20 + (0 if bot else rng.randint(0, 19)))
        when = int(at.timestamp() * 1000) if epoch_ms else at.strftime("%Y-%m-%d %H:%M:%S")
        rows.append({"src": ip, "ts": when, "app": rng.choice(["3", "9"] if bot else ["3", "9", "12", "15"]),
                     "ok": 0 if bot or rng.random() < 0.5 else 1})
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["src", "ts", "app", "ok"], delimiter="\t" if epoch_ms else ",")
        writer.writeheader()
        writer.writerows(rows)


def test_evaluate_prints_metrics_and_ends_with_json(tmp_path):
    for epoch_ms, name in ((False, "log.csv"), (True, "log.tsv")):
        path = tmp_path / name
        _write_log(path, epoch_ms)
        result = CliRunner().invoke(app, ["risk", "evaluate", "--events", str(path), "--map",
                                          "ip=src,time=ts,label=ok", "--context", "app", "--label-means", "genuine"])
        assert result.exit_code == 0, result.output
        assert "ROC-AUC" in result.output and "precision" in result.output
        figures = json.loads(result.output.strip().splitlines()[-1])
        assert figures["rows"] == 250 and figures["roc_auc"] > 0.8 and figures["positives"] > 130
        assert {"pr_auc", "precision_at_hold", "recall_at_hold"} <= figures.keys()


def test_evaluate_refuses_unknown_columns_clearly(tmp_path):
    path = tmp_path / "log.csv"
    _write_log(path, False)
    result = CliRunner().invoke(app, ["risk", "evaluate", "--events", str(path), "--map", "ip=nope,time=ts,label=ok"])
    assert result.exit_code == 2 and "column 'nope' not in log.csv" in result.output


def test_models_and_review_list_run(database_url):
    runner = CliRunner()
    assert runner.invoke(app, ["risk", "models"]).exit_code == 0
    assert runner.invoke(app, ["risk", "review"]).exit_code == 0
