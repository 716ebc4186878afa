"""Models: fit and evaluate on a time split, numpy scoring equals scikit-learn, registry and the gate."""

import numpy as np
from sqlalchemy import text

from activities.risk_models import promote, save_model
from domain.risk.features import FeatureSpec
from risk.metrics import evaluate, time_split
from risk.fastpredict import NUMPY_WALK_UP_TO
from risk.model import RiskModel


def _data(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.gamma(2.0, 2.0, size=(n, len(FeatureSpec().names())))
    y = (rng.random(n) < 0.1).astype(int)
    x[y == 1, 5] += 25  # fraud: many accounts on the device
    return x, y


def test_classifier_learns_and_numpy_scoring_matches_sklearn():
    x, y = _data()
    model = RiskModel("classifier", FeatureSpec()).fit(x[:2000], None, y[:2000])
    p = model.score(x[2000:], threads=1)  # a big batch: scikit-learn's compiled trees, on one thread
    assert np.allclose(p, model.pipeline.predict_proba(x[2000:])[:, 1], atol=1e-12)
    assert np.allclose(model.score(x[2000:]), p, atol=1e-12)  # on every core
    few = x[2000:2000 + NUMPY_WALK_UP_TO]  # a few grants: the numpy walk
    assert np.allclose(model.score(few), p[:NUMPY_WALK_UP_TO], atol=1e-12)
    before = RiskModel.from_bytes(model.to_bytes())
    del before.fast.boosts  # as pickled before batches were scored by the compiled trees
    assert np.allclose(RiskModel.from_bytes(before.to_bytes()).score(x[2000:]), p, atol=1e-12)
    m = evaluate(y[2000:], p, 0.7, 0.95)
    assert m["roc_auc"] > 0.95 and m["rows"] == 1000 and m["positives"] == int(y[2000:].sum())
    assert m["recall_at_hold"] > 0.8


def test_anomaly_model_ranks_outliers_high_and_round_trips():
    x, y = _data(seed=1)
    model = RiskModel("anomaly", FeatureSpec()).fit(x, None)
    again = RiskModel.from_bytes(model.to_bytes())
    p = again.score(x)
    assert np.allclose(p, model.score(x))
    assert 0 <= p.min() and p.max() <= 1 and p[y == 1].mean() > p[y == 0].mean()


def test_time_split_puts_the_latest_quarter_in_the_test_part():
    t = np.array([5, 1, 4, 2, 3, 8, 7, 6])
    train, test = time_split(t)
    assert sorted(t[train]) == [1, 2, 3, 4, 5, 6] and sorted(t[test]) == [7, 8]


def test_promotion_gate_in_the_registry(conn):
    conn.execute(text("UPDATE risk_model SET status = 'retired' WHERE status = 'serving'"))
    x, y = _data(500)
    model = RiskModel("anomaly", FeatureSpec()).fit(x, None)
    first = save_model(conn, model, {"roc_auc": 0.9, "pr_auc": 0.6}, since=None, until=None)
    assert promote(conn, first, "test").promoted
    worse = save_model(conn, model, {"roc_auc": 0.7, "pr_auc": 0.6, "serving_version": first,
                                     "serving_on_holdout": {"roc_auc": 0.9, "pr_auc": 0.6}}, since=None, until=None)
    result = promote(conn, worse, "test")
    assert not result.promoted and result.serving_version == first and "worse than serving" in result.reason
    status = dict(conn.execute(text("SELECT version, status FROM risk_model WHERE version IN (:a, :b)"),
                               {"a": first, "b": worse}).all())
    assert status == {first: "serving", worse: "rejected"}
    better = save_model(conn, model, {"roc_auc": 0.95, "pr_auc": 0.7, "serving_version": first,
                                      "serving_on_holdout": {"roc_auc": 0.9, "pr_auc": 0.6}}, since=None, until=None)
    assert promote(conn, better, "test").promoted
    assert conn.execute(text("SELECT status FROM risk_model WHERE version = :v"), {"v": first}).scalar() == "retired"
    stale = save_model(conn, model, {"roc_auc": 0.99, "pr_auc": 0.9, "serving_version": first,
                                     "serving_on_holdout": {"roc_auc": 0.5, "pr_auc": 0.1}}, since=None, until=None)
    assert not promote(conn, stale, "test").promoted  # measured against a model that no longer serves
    assert promote(conn, stale, "operator", force=True).promoted
