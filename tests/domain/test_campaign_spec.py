import pytest

from domain.campaigns.spec_errors import parse_spec
from domain.errors import BadInput

GOOD = """\
id: spring
rooms: [r1]
window: {start: "2026-01-01T20:00:00+08:00", end: "2026-01-01T22:00:00+08:00"}
risk: {hold_above: 0.6, deny_above: 0.95}
budget: {points: 10000, coupon_yuan: 500}
phases:
  - name: warm-up
    end_minute: 10
    rules:
      - id: early
        trigger: {type: share}
        reward: {points: 5}
  - name: peak
    start_minute: 10
    rules:
      - id: lucky
        trigger: {type: online_milestone, count: 10000, mode: lottery, winners: 3}
        reward: {coupon_template: T1}
rules:
  - id: watch
    trigger: {type: watch_minutes, minutes: 5}
    reward: {points: 50}
    limits: {per_viewer: 3, budget_points: 5000}
  - id: double
    trigger: {type: order_paid}
    reward: {multiplier: 2}
"""


def test_good_spec_and_phases():
    spec = parse_spec(GOOD)
    assert [r.id for r in spec.all_rules()] == ["watch", "double", "early", "lucky"]
    from datetime import timedelta
    early = spec.window.start + timedelta(minutes=5)
    late = spec.window.start + timedelta(minutes=30)
    assert {r.id for r in spec.active_rules(early)} == {"watch", "double", "early"}
    assert {r.id for r in spec.active_rules(late)} == {"watch", "double", "lucky"}
    assert spec.active_rules(spec.window.end) == []
    assert parse_spec('{"id": "j", "rooms": ["r"], "window": {"start": "2026-01-01T00:00:00Z", '
                      '"end": "2026-01-01T01:00:00Z"}, "rules": [{"id": "s", "trigger": {"type": "share"}, '
                      '"reward": {"points": 1}}]}').id == "j"


@pytest.mark.parametrize("change, expected", [
    (("minutes: 5", "minutes: -5"), "spec.yaml:21 rules.0.trigger.minutes: Input should be greater than 0"),
    (("type: share", "type: teleport"), "spec.yaml:11 phases.0.rules.0.trigger"),
    (("reward: {points: 50}", "reward: {points: 50, coupon_template: T}"), "spec.yaml:22 rules.0.reward"),
    (("end: \"2026-01-01T22", "end: \"2026-01-01T19"), "window: Value error, window end must be after its start"),
    (("id: early", "id: watch"), "rule ids must be unique; repeated: watch"),
    (("reward: {multiplier: 2}", "reward: {points: 2, bonus: 1}"), "spec.yaml:26 rules.1.reward.bonus: Extra inputs"),
    (("rooms: [r1]", "rooms: []"), "spec.yaml:2 rooms"),
    (("    end_minute: 10", "    start_minute: 20\n    end_minute: 5"),
     "spec.yaml:7 phases.0: Value error, phase 'warm-up' ends (minute 5) before it starts (minute 20)"),
    (("    start_minute: 10", "    start_minute: 120"),
     "phase(s) peak start after the 120-minute window ends: their rules would never run"),
])
def test_bad_specs_point_at_the_line_and_field(change, expected):
    with pytest.raises(BadInput) as error:
        parse_spec(GOOD.replace(*change), name="spec.yaml")
    assert expected in str(error.value), str(error.value)


def test_not_yaml_at_all():
    with pytest.raises(BadInput, match="not valid YAML"):
        parse_spec("id: [unclosed", name="x.yaml")
    with pytest.raises(BadInput, match="mapping"):
        parse_spec("- a\n- b\n")
