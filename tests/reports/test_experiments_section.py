"""The report's experiment section: SQL assignment agrees with domain.experiments, figures per arm, verdicts."""

import random
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text

from activities.experiments import create_experiment
from core.settings import get_settings
from domain.errors import BadInput
from domain.experiments import HOLDOUT, assign
from domain.report_period import week_of
from models.experiments import ExperimentCreate, Variant
from queries.experiments import arm_for
from reports.gather import gather
from tests.conftest import unique

TZ = "Asia/Shanghai"
VARIANTS = [Variant(name="A 5 yuan", share=0.4, params={"coupon_fen": 500}),
            Variant(name="B 10 yuan", share=0.4, params={"coupon_fen": 1000})]
CONVERSION = {HOLDOUT: 0.10, "A 5 yuan": 0.12, "B 10 yuan": 0.30}


def test_experiment_arms_in_the_report(conn):
    p = week_of(date(random.randint(2001, 2015), 6, 10), TZ)
    exp_id, rule = unique("exp"), unique("rule")
    create_experiment(conn, ExperimentCreate(experiment_id=exp_id, rule_id=rule, name="coupon size",
                                             holdout_share=0.2, variants=VARIANTS, starts_at=p.start))
    small_id = unique("exp-small")
    create_experiment(conn, ExperimentCreate(experiment_id=small_id, rule_id=unique("rule"), holdout_share=0.05,
                                             variants=[Variant(name="on", share=0.95)], starts_at=p.start))
    members = [unique("m") for _ in range(3000)]
    arms = {m: assign(exp_id, m, 0.2, [(v.name, v.share) for v in VARIANTS]) for m in members}
    rng = random.Random(5)
    t = p.start + timedelta(hours=30)
    conn.execute(text("INSERT INTO room_event (event_id, room_id, type, member_id, device_id, ip, occurred_at) "
                      "SELECT 'ev-' || m, 'room', 'enter', m, '', '', :t FROM unnest(CAST(:ms AS text[])) m"),
                 {"ms": members, "t": t})
    buyers = [m for m in members if rng.random() < CONVERSION[arms[m]]]
    conn.execute(text("""
        INSERT INTO settlement (order_id, member_id, room_id, state, goods_paid_fen, risk_decision, risk_score,
                                order_json, paid_at, confirm_due_at)
        SELECT 'o-' || m, m, 'room', 'confirmed', 10000, 'allow', 0, '{}', :t, :t
        FROM unnest(CAST(:ms AS text[])) m"""),
                 {"ms": buyers, "t": t})
    s = gather(conn, p, get_settings())["sections"]["experiments"]
    mine = {e["experiment_id"]: e for e in s}
    rows = {a["arm"]: a for a in mine[exp_id]["arms"]}
    assert {k: v["members"] for k, v in rows.items()} == dict(Counter(arms.values()))
    for arm, a in rows.items():
        assert a["converted"] == sum(1 for m in buyers if arms[m] == arm)
        assert a["gmv_per_member_fen"] == pytest.approx(10000 * a["converted"] / a["members"])
    b = rows["B 10 yuan"]
    assert b["conversion_diff"]["low"] > 0 and "significant (better than holdout)" in b["verdict"]
    assert b["incremental_gmv_per_member_fen"]["low"] > 0
    assert "incremental_gmv_fen" in b and "verdict" not in rows[HOLDOUT]
    small = mine[small_id]["arms"][1]
    assert small["too_small"] and "sample too small to tell" in small["verdict"]


def test_create_experiment_is_idempotent_and_refuses_changes(conn):
    exp_id, rule = unique("exp"), unique("rule")
    exp = ExperimentCreate(experiment_id=exp_id, rule_id=rule, holdout_share=0.2, variants=VARIANTS,
                           starts_at=datetime(2020, 1, 1).astimezone())
    assert create_experiment(conn, exp) is True
    assert create_experiment(conn, exp) is False
    with pytest.raises(BadInput, match="already exists"):
        create_experiment(conn, exp.model_copy(update={"holdout_share": 0.1, "variants": [
            Variant(name="A 5 yuan", share=0.45), Variant(name="B 10 yuan", share=0.45)]}))
    with pytest.raises(BadInput, match="add up to 1"):
        create_experiment(conn, exp.model_copy(update={"experiment_id": unique("exp"), "holdout_share": 0.5}))


def test_campaigns_ask_arm_for(conn):
    exp_id, rule = unique("exp"), unique("rule")
    create_experiment(conn, ExperimentCreate(experiment_id=exp_id, rule_id=rule, holdout_share=0.2, variants=VARIANTS,
                                             starts_at=datetime(2020, 1, 1).astimezone()))
    now = datetime.now().astimezone()
    for m in (unique("m") for _ in range(50)):
        got = arm_for(conn, rule_id=rule, member_id=m, at=now)
        expected = assign(exp_id, m, 0.2, [(v.name, v.share) for v in VARIANTS])
        assert got[:2] == (exp_id, expected)
        assert got[2] == ({} if expected == HOLDOUT else {"A 5 yuan": {"coupon_fen": 500},
                                                          "B 10 yuan": {"coupon_fen": 1000}}[expected])
    assert arm_for(conn, rule_id=unique("no-experiment"), member_id="m", at=now) is None
