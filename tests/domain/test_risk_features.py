"""Risk features against hand-computed values, the rule layer, the wording and the promotion gate."""

import numpy as np

from domain.risk.features import EventLog, FeatureSpec, compute
from domain.risk.gate import should_promote
from domain.risk.rules import apply_rules, by_threshold, default_rules
from domain.risk.words import describe, top_features
from models.risk_base import Decision


def _log(rows):  # (seconds, type, member, device, ip[, comment text])
    col = lambda i: np.array([r[i] if len(r) > i else "" for r in rows], dtype=object)  # noqa: E731
    ips = col(4)
    return EventLog(t_ms=np.array([int(r[0] * 1000) for r in rows], dtype=np.int64), etype=col(1),
                    keys={"member": col(2), "device": col(3), "ip": ips,
                          "network": np.array(["10.0.0.0/24" if ip else "" for ip in ips], dtype=object),
                          "room": np.array(["r1" if ip else "" for ip in ips], dtype=object), "text": col(5)})


EVENTS = [(0, "enter", "m1", "d1", "10.0.0.1"), (30, "enter", "m2", "d1", "10.0.0.2"),
          (60, "comment", "m1", "d1", "10.0.0.1"), (120, "leave", "m1", "d1", "10.0.0.1"),
          (180, "enter", "m1", "d1", "10.0.0.1")]


def _features(at_seconds, member="m1", device="d1", ip="10.0.0.1"):
    spec = FeatureSpec()
    q = _log([(at_seconds, "grant", member, device, ip)])
    return dict(zip(spec.names(), compute(_log(EVENTS), q, spec)[0]))


def test_counts_accounts_churn_gaps_and_age_by_hand():
    f = _features(180)
    assert f["device_events_1h"] == 5 and f["device_accounts_1h"] == 2
    assert f["ip_events_1h"] == 4 and f["ip_accounts_1h"] == 1
    assert f["network_events_1h"] == 5 and f["network_accounts_1h"] == 2
    assert f["member_events_1h"] == 4 and f["member_churn_1h"] == 3 and f["member_comments_1h"] == 1
    assert f["member_action_gap_s"] == 60 and f["device_action_gap_s"] == 60
    assert f["member_age_s"] == 180
    # a player heartbeat is not an action: the action gap still runs from the leave at 120 s
    watching = EVENTS + [(170, "heartbeat", "m1", "d1", "10.0.0.1")]
    g = dict(zip(FeatureSpec().names(), compute(_log(watching), _log([(180, "grant", "m1", "d1", "10.0.0.1")]),
                                                FeatureSpec())[0]))
    assert g["member_action_gap_s"] == 60 and g["member_events_1h"] == 5 and g["member_heartbeats_1h"] == 1
    assert f["member_regularity"] == -1  # 3 gaps: too few to judge
    clockwork = [(i * 30.0, "like", "bot", "d9", "10.0.0.9") for i in range(8)]
    spec = FeatureSpec()
    x = compute(_log(clockwork), _log([(210, "grant", "bot", "d9", "10.0.0.9")]), spec)[0]
    assert x[spec.names().index("member_regularity")] == 0.0  # 7 gaps of exactly 30 s: a script's clock
    assert f["member_ips_1h"] == 1 and f["member_rooms_1h"] == 1 and f["member_orders_24h"] == 0


def test_windows_slide():
    # distinct counts slide by 5-minute grain: every event here (0..180 s) is in the grain starting at 0,
    # so both accounts count until 3,600 s and neither after (a later event of either would renew it)
    assert _features(3599)["device_accounts_1h"] == 2
    f = _features(3600 + 100)
    assert f["device_accounts_1h"] == 0 and f["device_accounts_24h"] == 2
    # counts start at a 10-minute edge: 3700 s floors to 3600, minus 1 h = 0, so all 5 still count
    assert f["device_events_1h"] == 5 and f["device_events_24h"] == 5
    f = _features(3600 + 700)  # edge 4200 - 3600 = 600 s: none of the events (0..180 s) is in the hour
    assert f["device_events_1h"] == 0 and f["member_churn_1h"] == 0 and f["device_events_24h"] == 5
    assert f["device_accounts_1h"] == 0 and f["member_age_s"] == 4300  # first seen at 0 s
    assert _features(2 * 86_400)["member_age_s"] == 86_400  # capped at the lookback


def test_comment_repetition_and_grants_that_led_to_an_order_by_hand():
    rows = [(5, "comment", "m1", "d1", "10.0.0.1", "hello"), (10, "comment", "m1", "d1", "10.0.0.1", "free coupon"),
            (20, "comment", "m2", "d2", "10.0.0.2", "free coupon"),
            (30, "comment", "m3", "d3", "10.0.0.3", "free coupon"),
            (25, "comment", "m4", "d4", "10.0.0.4", "hello"),
            # settlement orders and grants: member-only side rows
            (50, "grant", "m1", "", ""), (60, "grant", "m1", "", ""), (65, "order", "m1", "", ""),
            (70, "grant", "m1", "", "")]
    spec = FeatureSpec()

    def at(seconds, member):
        return dict(zip(spec.names(), compute(_log(rows), _log([(seconds, "grant", member, "", "")]), spec)[0]))

    f = at(100, "m1")
    assert f["member_comment_accounts_1h"] == 3  # m1's latest comment, "free coupon", came from m1, m2, m3
    assert f["member_grants_24h"] == 3 and f["member_orders_24h"] == 1
    assert f["member_grant_order_share"] == 1 / 3
    assert f["member_events_1h"] == 2 and f["member_action_gap_s"] == 90  # grants and orders are not room events
    assert at(100, "m4")["member_comment_accounts_1h"] == 2  # "hello": m1 (earlier) and m4
    assert at(100, "m9")["member_grant_order_share"] == -1  # no grants: no share
    assert at(3620, "m1")["member_comment_accounts_1h"] == 0  # m1's comments left the hour
    assert describe("member_comment_accounts_1h", 3) == "the same comment as this account's from 3 accounts in 1 hour"
    assert describe("member_grant_order_share", 0.0) == "only 0% of this account's grants in 24 hours led to an order"


def test_unknown_entities_have_empty_features():
    f = _features(180, member="nobody", device="", ip="")
    assert f["device_events_1h"] == 0 and f["member_events_24h"] == 0 and f["member_regularity"] == -1


def test_velocity_rules_and_thresholds():
    names = ["device_accounts_1h", "member_regularity", "member_churn_1h", "ip_accounts_1h"]
    x = np.array([[12, 0.5, 0, 0], [5, 0.02, 0, 0], [1, -1, 0, 500], [1, 0.5, 40, 0]], dtype=float)
    out = apply_rules(default_rules(), names, x)  # accounts per IP: off by default (carrier NAT)
    assert out[0][0] == Decision.DENY and "12 accounts on this device in 1 hour" in out[0][1][0]
    assert out[1][0] == Decision.HOLD and len(out[1][1]) == 2  # 5 accounts and scripted timing
    assert out[2] == (Decision.ALLOW, [])  # -1 means too few gaps to judge
    assert out[3][0] == Decision.HOLD
    assert apply_rules(default_rules(accounts_per_ip_hold=100), names, x)[2][0] == Decision.HOLD
    assert by_threshold(0.96, 0.7, 0.95) == Decision.DENY and by_threshold(0.7, 0.7, 0.95) == Decision.HOLD
    assert by_threshold(0.69, 0.7, 0.95) == Decision.ALLOW


def test_operator_words():
    assert describe("device_accounts_1h", 47) == "47 accounts on this device in 1 hour"
    assert describe("ip_churn_1h", 30) == "30 room enters and leaves from this IP in 1 hour"
    words = top_features(["device_accounts_1h", "member_action_gap_s"], np.array([[47.0, 0.5], [1.0, 100.0]]),
                         low=np.array([1.0, 5.0]), mid=np.array([1.0, 60.0]), high=np.array([2.0, 600.0]))
    assert words[0] == ["47 accounts on this device in 1 hour", "only 0.5 s between actions from this account"]
    assert words[1] == []


def test_gate_keeps_the_serving_model_when_the_candidate_is_worse():
    assert should_promote({"roc_auc": 0.8, "pr_auc": 0.5}, None) == (True, "no serving model yet")
    ok, why = should_promote({"roc_auc": 0.80, "pr_auc": 0.5}, {"roc_auc": 0.90, "pr_auc": 0.5})
    assert not ok and "roc_auc 0.8 is worse than serving 0.9" in why
    assert should_promote({"roc_auc": 0.898, "pr_auc": 0.6}, {"roc_auc": 0.90, "pr_auc": 0.6})[0]
    assert not should_promote({"roc_auc": None, "pr_auc": None}, {"roc_auc": 0.9, "pr_auc": 0.6})[0]


def test_events_without_a_player_by_hand():
    f = _features(180)  # m1 and d1: no heartbeat in the hour, so every event counts
    assert f["member_events_no_player_1h"] == 4 and f["device_events_no_player_1h"] == 5
    assert f["network_events_no_player_1h"] == 5
    watched = EVENTS + [(150, "heartbeat", "m2", "d2", "10.0.0.2")]  # m2 runs a player, on its own device
    spec = FeatureSpec()
    x = dict(zip(spec.names(), compute(_log(watched), _log([(180, "grant", "m2", "d2", "10.0.0.2")]), spec)[0]))
    assert x["member_events_no_player_1h"] == 0 and x["device_events_no_player_1h"] == 0
    assert x["network_events_no_player_1h"] == 0  # one player on the /24 is enough
    assert x["member_events_1h"] == 2 and x["member_heartbeats_1h"] == 1
    rules = apply_rules(default_rules(), ["member_events_no_player_1h", "network_events_no_player_1h"],
                        np.array([[30, 0], [0, 30], [29, 29]], dtype=float))
    assert [r[0] for r in rules] == [Decision.HOLD, Decision.HOLD, Decision.ALLOW]
    assert rules[0][1][0].startswith("30 events from this account in 1 hour without a single player heartbeat")
