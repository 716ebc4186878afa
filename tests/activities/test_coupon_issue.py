"""issue_coupon against the real database: limits, idempotency, and a concurrent claim storm."""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import text

from activities.coupon_issue import issue_coupon
from activities.coupon_templates import get_template
from core.db import transaction
from tests.conftest import unique
from tests.coupons.helpers import make_template

NOW = datetime(2026, 11, 11, 12, tzinfo=timezone.utc)


def issue(conn, template_id, member="m1", key=None, **kw):
    return issue_coupon(conn, template_id=template_id, member_id=member, idempotency_key=key or unique("k"),
                        source="test", now=NOW, **kw)


def test_issue_and_replay_returns_the_first_coupon(conn):
    tpl = make_template(conn, stock=5)
    first = issue(conn, tpl, key="same-key-" + tpl)
    again = issue(conn, tpl, key="same-key-" + tpl)
    assert first.issued and first.coupon_code and first.face_value_fen == 500
    assert again.model_dump() == {**first.model_dump(), "issued": False, "already": True}
    assert get_template(conn, tpl).issued == 1


def test_codes_are_unique_and_unguessable(conn):
    tpl = make_template(conn)
    codes = {issue(conn, tpl).coupon_code for _ in range(50)}
    assert len(codes) == 50 and all(len(c) == 17 for c in codes)


def test_refusals_give_reasons_and_change_nothing(conn):
    assert issue(conn, "no-such-template").reason == "unknown_template"
    inactive = make_template(conn, active=False)
    assert issue(conn, inactive).reason == "template_inactive"
    limited = make_template(conn, per_member_limit=2)
    assert [issue(conn, limited).issued for _ in range(3)] == [True, True, False]
    assert issue(conn, limited).reason == "member_limit"
    assert issue(conn, limited, member="m2").issued
    stock = make_template(conn, stock=1)
    assert issue(conn, stock).issued and issue(conn, stock, member="m2").reason == "out_of_stock"
    budget = make_template(conn, amount_off=Decimal("30"), kind="threshold_off", threshold=Decimal("199"),
                           budget=Decimal("60"))
    assert [issue(conn, budget, member=f"b{i}").reason for i in range(3)] == [None, None, "budget_exhausted"]
    count = conn.execute(text("SELECT count(*) FROM coupon WHERE template_id = :t"), {"t": budget}).scalar()
    assert count == 2


def test_validity_windows(conn):
    relative = issue(conn, make_template(conn, valid_hours=48))
    session = issue(conn, make_template(conn, validity="session", grace_minutes=30),
                    session_ends_at=NOW + timedelta(hours=2), room_id="r1")
    rows = dict(conn.execute(text("SELECT code, valid_until FROM coupon WHERE code IN (:a, :b)"),
                             {"a": relative.coupon_code, "b": session.coupon_code}).all())
    assert rows[relative.coupon_code] == NOW + timedelta(hours=48)
    assert rows[session.coupon_code] == NOW + timedelta(hours=2, minutes=30)


def test_concurrent_claims_never_oversell(database_url):
    with transaction() as conn:
        tpl = make_template(conn, stock=100, per_member_limit=1)

    def claim(i: int):
        with transaction() as conn:
            return issue(conn, tpl, member=f"storm-{i % 900}", key=f"{tpl}:{i % 950}")

    with ThreadPoolExecutor(24) as pool:
        outcomes = list(pool.map(claim, range(1000)))
    issued = [o for o in outcomes if o.issued]
    assert len(issued) == 100
    assert {o.reason for o in outcomes if not o.issued and not o.already} <= {"out_of_stock", "member_limit"}
    with transaction() as conn:
        assert conn.execute(text("SELECT count(*) FROM coupon WHERE template_id = :t"), {"t": tpl}).scalar() == 100
        assert get_template(conn, tpl).issued == 100


def test_racing_repeats_and_member_limits_give_back_what_they_took(database_url):
    with transaction() as conn:
        tpl = make_template(conn, stock=50, per_member_limit=1)

    def same_key(_):
        with transaction() as conn:
            return issue(conn, tpl, member="twin", key=f"{tpl}:same")

    def same_member(i):
        with transaction() as conn:
            return issue(conn, tpl, member="greedy", key=f"{tpl}:greedy:{i}")

    with ThreadPoolExecutor(16) as pool:
        repeats = list(pool.map(same_key, range(40)))
        greedy = list(pool.map(same_member, range(40)))
    assert len({o.coupon_code for o in repeats}) == 1 and sum(o.issued for o in repeats) == 1
    assert sum(o.issued for o in greedy) == 1
    assert {o.reason for o in greedy if not o.issued} == {"member_limit"}
    with transaction() as conn:
        row = get_template(conn, tpl).issued
        counts = dict(conn.execute(text("SELECT member_id, issued FROM coupon_member_count WHERE template_id = :t"),
                                   {"t": tpl}).all())
    assert row == 2 and counts == {"twin": 1, "greedy": 1}
