"""The promotion gate: a candidate replaces the serving model only when it is not worse on the same
hold-out. ROC-AUC and PR-AUC may each drop by at most `tolerance`."""


def should_promote(candidate: dict, serving: dict | None, tolerance: float = 0.005) -> tuple[bool, str]:
    if not serving:
        return True, "no serving model yet"
    for metric in ("roc_auc", "pr_auc"):
        new, old = candidate.get(metric), serving.get(metric)
        if old is None:
            continue
        if new is None:
            return False, f"candidate has no {metric} on the hold-out (one class only); serving has {old}"
        if new < old - tolerance:
            return False, f"candidate {metric} {new} is worse than serving {old} on the same hold-out"
    return True, "not worse than the serving model on the same hold-out: " + ", ".join(
        f"{m} {candidate.get(m)} vs {serving.get(m)}" for m in ("roc_auc", "pr_auc"))
