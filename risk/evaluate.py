"""`liveperks risk evaluate`: train and evaluate on any labeled event log, time-based split."""

from pathlib import Path

import numpy as np

from domain.errors import BadInput
from domain.risk.features import DAY, FeatureSpec
from risk.logfile import parse_mapping, read_log
from risk.training import train_and_evaluate

LONG_MS = 7 * DAY  # offline logs: long-history features over up to a week (domain/risk/extended.py)
TRUE = {"1", "true", "t", "yes", "y", "fraud", "1.0"}


def fraud_labels(raw: np.ndarray, label_means: str) -> np.ndarray:
    if label_means not in ("fraud", "genuine"):
        raise BadInput("--label-means must be fraud or genuine")
    flag = np.isin(np.char.lower(np.char.strip(raw.astype(str))), list(TRUE)).astype(int)
    return flag if label_means == "fraud" else 1 - flag


def evaluate_file(path: Path, mapping: str, context: str, label_means: str, hold_above: float,
                  deny_above: float) -> dict:
    columns = [c.strip() for c in context.split(",") if c.strip()]
    log, raw = read_log(path, parse_mapping(mapping), columns)
    y = fraud_labels(raw, label_means)
    if len(np.unique(y)) < 2:
        raise BadInput("the label column has only one class")
    trained = train_and_evaluate(log, y, FeatureSpec(context=tuple(columns), long_ms=LONG_MS), hold_above, deny_above,
                                 kind="classifier", thorough=True)
    m = trained.metrics
    m["file"] = path.name
    m["train_rows"] = int(len(log) - m["rows"])
    m["features"] = len(trained.model.feature_names)
    return m
