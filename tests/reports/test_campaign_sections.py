"""Rules, coupons and risk read the campaign and risk modules' tables: rule triggers from campaign specs, coupon
grants and held/denied grants from campaign_grant; points grants from the ledger ("rule" in detail)."""

import json
import random
from datetime import date, timedelta

from sqlalchemy import text

from activities import ledger
from core.settings import get_settings
from domain.report_period import week_of
from reports.gather import gather
from tests.conftest import unique
from tests.reports.known_week import TZ, at, backdate


def test_campaign_rules_triggers_grants_and_risk(conn):
    p = week_of(date(random.randint(2001, 2015), 7, 10), TZ)
    when = at(p.first + timedelta(days=1), 20)
    campaign, word, watch = unique("camp"), unique("rule-word"), unique("rule-watch")
    spec = {"rules": [{"id": word, "trigger": {"type": "host_command"}},
                      {"id": watch, "trigger": {"type": "watch_minutes", "minutes": 5}}]}
    conn.execute(text("INSERT INTO campaign (campaign_id, name, spec, status, starts_at, ends_at, version, "
                      "workflow_id) VALUES (:c, 'c', CAST(:s AS jsonb), 'running', :t, :t, 1, '')"),
                 {"c": campaign, "s": json.dumps(spec), "t": when})
    m1, m2 = unique("m"), unique("m")
    key = f"{m1}/watch"
    ledger.credit_available(conn, key=key, member_id=m1, points=40, reference="grant", now=when,
                            lifetime=timedelta(days=365), source="campaign", kind="campaign_earn",
                            detail={"rule": watch})
    backdate(conn, m1, key, when)
    code = unique("code")
    conn.execute(text("""
        INSERT INTO coupon (code, template_id, member_id, idempotency_key, source, room_id, status, face_value_fen,
                            issued_at, valid_from, valid_until)
        VALUES (:c, 'tpl', :m, :c, :src, 'room', 'available', 1000, :t, :t, :t)"""),
                 {"c": code, "m": m2, "src": f"campaign:{campaign}", "t": when})
    grants = [(m2, word, "coupon", 0, code, 1000, "granted"), (m1, word, "coupon", 0, "", 500, "denied"),
              (m1, watch, "points", 30, "", 0, "held")]
    for member, rule, kind, points, coupon, fen, status in grants:
        conn.execute(text("""
            INSERT INTO campaign_grant (idempotency_key, campaign_id, rule_id, room_id, member_id, reward_kind, points,
                coupon_template_id, coupon_code, value_fen, status, reason, risk_score, device_id, ip, detail,
                created_at)
            VALUES (:k, :c, :r, 'room', :m, :kind, :p, 'tpl', :code, :fen, :st, '', 0, '', '', '{}', :t)"""),
                     {"k": unique("g"), "c": campaign, "r": rule, "m": member, "kind": kind, "p": points,
                      "code": coupon, "fen": fen, "st": status, "t": when})
    for status in ("approved", "rejected", "rejected", "held"):
        conn.execute(text("""
            INSERT INTO risk_decision (reference, kind, member_id, device_id, ip, room_id, value, decision, status,
                                       score, model_version, hold_above, deny_above, created_at)
            VALUES (:r, 'coupon', :m, '', '', 'room', 500, 'hold', :s, 0.7, 'v1', 0.5, 0.9, :t)"""),
                     {"r": unique("ref"), "m": m1, "s": status, "t": when})
    s = gather(conn, p, get_settings())["sections"]
    assert {(r["rule"], r["trigger"]) for r in s["points"]["by_rule"]} == {(watch, "watch_minutes")}
    rules = {r["rule"]: r for r in s["rules"]["rules"]}
    assert (rules[watch]["members"], rules[watch]["points"]) == (1, 40)
    assert (rules[word]["members"], rules[word]["grants"]) == (1, 1)
    assert {p["trigger"] for p in s["rules"]["plays"]} == {"host_command", "watch_minutes"}
    assert {r["label"]: r["issued"] for r in s["coupons"]["by_trigger"]} == {"host_command": 1}
    assert s["risk"]["grants"] == {"held": 1, "denied": 1, "value_saved_fen": 500}
    assert {r["outcome"]: r["n"] for r in s["risk"]["reviews"]} == {"rejected": 2, "approved": 1,
                                                                   "awaiting review": 1}
