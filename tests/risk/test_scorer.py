"""The scorer through the real database: cold start, blocklists, velocity rules, the model, storage."""

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from sqlalchemy import text

from activities.risk_decisions import COPY_FROM
from activities.risk_models import promote, save_model
from activities.risk_sim import write_events
from core.db import transaction
from core.settings import get_settings
from domain.risk.features import FeatureSpec
from models.risk_base import Decision, GrantRequest
from queries.risk_aggregates import PLANNED_EACH_TIME_FROM
from risk.model import RiskModel
from risk.scorer import get_scorer
from simulator.attackers import SimEvent
from tests.conftest import unique


@pytest.fixture(params=["memory", "database"])
def aggregates(request, monkeypatch) -> str:
    """Where the scorer's running aggregates live (core/settings.py risk_aggregates)."""
    monkeypatch.setattr(get_settings(), "risk_aggregates", request.param)
    return request.param


def _committed(events: list[SimEvent]) -> None:
    """Room events as intake leaves them, committed: a worker's memory folds only those."""
    with transaction() as own:
        write_events(own, events)


def _cold(conn):
    conn.execute(text("UPDATE risk_model SET status = 'retired' WHERE status = 'serving'"))


def _request(**kw) -> GrantRequest:
    base = dict(kind="campaign_points", member_id=unique("m"), device_id=unique("d"), ip="10.9.8.7", value=10,
                reference=unique("campaign_grant"))
    return GrantRequest(**{**base, **kw})


def test_cold_start_allows_a_plain_grant_and_stores_the_decision(conn):
    _cold(conn)
    request = _request()
    verdict = get_scorer().score(conn, [request])[0]
    assert verdict.decision == Decision.ALLOW and verdict.model_version == "rules-v1"
    row = conn.execute(text("SELECT decision, status, member_id, value, hold_above FROM risk_decision WHERE id = :i"),
                       {"i": verdict.decision_id}).one()
    assert tuple(row) == ("allow", "allowed", request.member_id, 10, 0.7)


def test_blocklists_deny_devices_ips_and_networks(conn):
    _cold(conn)
    device = unique("d")
    conn.execute(text("INSERT INTO risk_block (kind, value, reason) VALUES ('device', :d, 'farm rack'), "
                      "('network', '192.0.2.0/24', 'proxy provider')"), {"d": device})
    verdicts = get_scorer().score(conn, [_request(device_id=device), _request(ip="192.0.2.77"), _request()])
    assert [v.decision for v in verdicts] == [Decision.DENY, Decision.DENY, Decision.ALLOW]
    assert verdicts[0].reasons == [f"device {device} is blocked: farm rack"]
    assert "network 192.0.2.0/24 is blocked: proxy provider" in verdicts[1].reasons


def test_velocity_rule_denies_a_device_farm_in_words(conn, aggregates):
    _cold(conn)
    device, now = unique("rack"), datetime.now(timezone.utc)
    _committed([SimEvent("r", "enter", f"{device}-acct-{i}", device, "10.7.7.7", now - timedelta(minutes=i),
                         "device_farm") for i in range(12)])
    verdict = get_scorer().score(conn, [_request(member_id=f"{device}-acct-0", device_id=device)])[0]
    assert verdict.decision == Decision.DENY
    assert verdict.reasons[0].startswith("12 accounts on this device in 1 hour")


def _fit_on_noise(seed: int, rows: int, fraud_share: float, columns: int | None = None,
                  busy_fraud: bool = False) -> RiskModel:
    """A classifier on random features (busy_fraud: fraud rows have 30 more member events an hour)."""
    spec = FeatureSpec()
    rng = np.random.default_rng(seed)
    x = rng.gamma(1.0, 1.0, size=(rows, columns or len(spec.names())))
    y = (rng.random(rows) < fraud_share).astype(int)
    if busy_fraud:
        x[y == 1, spec.names().index("member_events_1h")] += 30
    return RiskModel("classifier", spec).fit(x, None, y)


def test_serving_model_scores_with_per_campaign_thresholds_and_names_features(conn, aggregates):
    _cold(conn)
    model = _fit_on_noise(3, 2000, 0.2, busy_fraud=True)
    assert promote(conn, save_model(conn, model, {"roc_auc": 1.0}, since=None, until=None), "test").promoted
    member, now = unique("busy"), datetime.now(timezone.utc)
    # a busy viewer with a player (a heartbeat among the likes): no rule fires, the model decides
    _committed([SimEvent("r", "heartbeat" if i % 4 == 0 else "like", member, unique("d"), "10.3.3.3",
                         now - timedelta(seconds=50 * i + (i * i) % 37), "x") for i in range(40)])
    strict, lenient = get_scorer().score(conn, [_request(member_id=member, hold_above=0.5, deny_above=1.01),
                                                _request(member_id=member, hold_above=1.01, deny_above=1.01)])
    assert strict.model_version.startswith("cla-") and strict.score > 0.5
    assert strict.decision == Decision.HOLD and lenient.decision == Decision.ALLOW
    assert "40 events from this account in 1 hour" in strict.top_features
    stored = conn.execute(text("SELECT status, top_features, hold_above FROM risk_decision WHERE id = :i"),
                          {"i": strict.decision_id}).one()
    assert stored[0] == "held" and stored[2] == 0.5 and "40 events from this account in 1 hour" in stored[1]


def test_a_model_trained_on_other_features_falls_back_to_rules(conn):
    _cold(conn)
    old = _fit_on_noise(4, 400, 0.3, columns=len(FeatureSpec().names()) - 3)  # as before a feature change
    assert promote(conn, save_model(conn, old, {"roc_auc": 1.0}, since=None, until=None), "test").promoted
    verdict = get_scorer().score(conn, [_request()])[0]
    assert verdict.decision == Decision.ALLOW and verdict.model_version.startswith("rules-v1 (model cla-")


def test_a_model_trained_before_a_feature_was_redefined_falls_back_to_rules(conn):
    _cold(conn)
    current = _fit_on_noise(5, 400, 0.3)
    # as pickled before gaps ran from actions: as many columns, one name (and meaning) different
    old = RiskModel.from_bytes(current.to_bytes())
    old.trained_names = tuple(n.replace("member_action_gap_s", "member_gap_s") for n in current.trained_names)
    for model, fits in ((current, True), (old, False)):
        saved = save_model(conn, model, {"roc_auc": 1.0}, since=None, until=None)
        assert promote(conn, saved, "test", force=True).promoted
        verdict = get_scorer().score(conn, [_request()])[0]
        assert verdict.model_version.startswith("rules-v1 (model cla-") != fits, verdict.model_version


def test_blocklists_are_reused_for_the_cache_time_then_read_again(conn, monkeypatch):
    _cold(conn)
    from risk.scorer import ModelScorer

    scorer, device = ModelScorer(), unique("d")
    monkeypatch.setattr(get_settings(), "risk_cache_ms", 60_000)
    assert scorer.score(conn, [_request(device_id=device)])[0].decision == Decision.ALLOW
    conn.execute(text("INSERT INTO risk_block (kind, value, reason) VALUES ('device', :d, 'rack')"), {"d": device})
    assert scorer.score(conn, [_request(device_id=device)])[0].decision == Decision.ALLOW  # within the cache time
    monkeypatch.setattr(get_settings(), "risk_cache_ms", 0)
    assert scorer.score(conn, [_request(device_id=device)])[0].decision == Decision.DENY


def test_a_big_batch_decides_and_stores_exactly_as_grants_one_at_a_time(conn, aggregates):
    """Big batches take other paths (aggregates planned each time, decisions through COPY): same verdicts,
    same stored rows, ids in request order, awkward text kept byte for byte."""
    _cold(conn)
    farm, now = unique("rack"), datetime.now(timezone.utc)
    _committed([SimEvent("r", "enter", f"{farm}-acct-{i}", farm, "10.7.7.8", now - timedelta(minutes=i),
                         "device_farm") for i in range(12)])
    n = max(COPY_FROM, PLANNED_EACH_TIME_FROM) + 20
    requests = [_request(member_id=f"{farm}-acct-{i % 12}" if i % 3 == 0 else unique("m"),
                         device_id=farm if i % 3 == 0 else unique("d"), value=i,
                         reference=unique("ref\tTab\\slash\nline 优惠券 🎁")) for i in range(n)]
    batch = get_scorer().score(conn, requests)
    single = [get_scorer().score(conn, [r.model_copy(update={"reference": r.reference + "-single"})])[0]
              for r in requests]
    assert [(v.decision, v.score, v.reasons) for v in batch] == [(v.decision, v.score, v.reasons) for v in single]
    assert {v.decision for v in batch} == {Decision.ALLOW, Decision.DENY}
    stored = conn.execute(text("SELECT id, reference, member_id, device_id, value, decision, status, reasons "
                               "FROM risk_decision WHERE id = ANY(:ids) ORDER BY id"),
                          {"ids": [v.decision_id for v in batch]}).all()
    assert [row[0] for row in stored] == [v.decision_id for v in batch]  # one row each, in request order
    assert [tuple(row[1:]) for row in stored] == [
        (r.reference, r.member_id, r.device_id, r.value, v.decision.value,
         {"allow": "allowed", "deny": "denied"}[v.decision.value], v.reasons) for r, v in zip(requests, batch)]
