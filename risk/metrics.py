"""Model quality figures: ROC-AUC, PR-AUC, precision and recall at the serving thresholds."""

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score


def evaluate(y: np.ndarray, p: np.ndarray, hold_above: float, deny_above: float) -> dict:
    y = np.asarray(y).astype(int)
    both = len(np.unique(y)) == 2
    out = {"rows": int(len(y)), "positives": int(y.sum()),
           "roc_auc": round(float(roc_auc_score(y, p)), 4) if both else None,
           "pr_auc": round(float(average_precision_score(y, p)), 4) if both else None,
           # the same ranking read from the other side: finding the genuine rows (useful when fraud is
           # the majority, as in click logs, where pr_auc alone is near 1 for any model)
           "pr_auc_genuine": round(float(average_precision_score(1 - y, 1 - p)), 4) if both else None}
    for name, threshold in (("hold", hold_above), ("deny", deny_above)):
        flagged = p >= threshold
        tp = int((flagged & (y == 1)).sum())
        out[f"precision_at_{name}"] = round(float(tp / flagged.sum()), 4) if flagged.sum() else None
        out[f"recall_at_{name}"] = round(float(tp / y.sum()), 4) if y.sum() else None
        out[f"flagged_at_{name}"] = int(flagged.sum())
    return out


def time_split(t_ms: np.ndarray, train_share: float = 0.75) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays: the earliest share of rows by time for training, the rest for testing."""
    order = np.argsort(t_ms, kind="stable")
    cut = int(len(order) * train_share)
    return order[:cut], order[cut:]
