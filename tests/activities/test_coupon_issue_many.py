"""issue_many says, and leaves, what issue_coupon one by one would; give_back leaves a template, its members'
allowances and its coupons as if the coupons given back had never been issued."""

import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from activities.coupon_issue import give_back, issue_coupon
from activities.coupon_issue_many import CouponClaim, issue_many
from core.db import get_engine, transaction
from tests.activities.test_coupon_issue import NOW
from tests.conftest import unique
from tests.coupons.helpers import make_template


def _state(conn, templates: list[str]) -> tuple:
    """What the templates have issued and left, by template; each member's allowance used (a row at 0 is one
    never used, as a refused claim leaves it); their coupons."""
    shards = conn.execute(text("SELECT template_id, sum(issued), sum(used_fen), sum(stock_left), sum(budget_left_fen) "
                               "FROM coupon_stock_shard WHERE template_id = ANY(:t) GROUP BY 1 ORDER BY 1"),
                          {"t": templates}).all()
    allowances = conn.execute(text("SELECT template_id, member_id, issued FROM coupon_member_count "
                                   "WHERE template_id = ANY(:t) AND issued > 0 ORDER BY 1, 2"), {"t": templates}).all()
    coupons = conn.execute(text("SELECT template_id, member_id, face_value_fen, valid_from, valid_until FROM coupon "
                                "WHERE template_id = ANY(:t) ORDER BY 1, 2, valid_until"), {"t": templates}).all()
    return shards, allowances, coupons


def _templates(conn) -> list[str]:
    return [make_template(conn, stock=4), make_template(conn, per_member_limit=2),
            make_template(conn, amount_off=Decimal("30"), kind="threshold_off", threshold=Decimal("199"),
                          budget=Decimal("150")), make_template(conn, active=False),
            make_template(conn, stock=3, per_member_limit=1),  # a member's second claim after it sold out
            # each validity window and face value the batch computes itself
            make_template(conn, validity="session", valid_hours=0, grace_minutes=30, per_member_limit=3),
            make_template(conn, validity="absolute", valid_hours=0, valid_from=NOW - timedelta(days=1),
                          valid_until=NOW + timedelta(days=6)),
            make_template(conn, kind="percent_off", amount_off=Decimal("0"), percent_off=20,
                          max_discount=Decimal("12"))]


@pytest.mark.parametrize("seed", range(6))
def test_a_batch_of_claims_is_the_same_claims_one_by_one(conn, seed):
    rnd = random.Random(seed)
    one, many = _templates(conn), _templates(conn)
    replayed = [unique("k") for _ in range(4)]  # some keys come again: their first outcome is the answer
    ends = [None, NOW + timedelta(hours=1), NOW + timedelta(hours=3)]
    picks = [(rnd.randrange(len(one)), f"m{rnd.randrange(5)}",
              rnd.choice(replayed) if rnd.random() < 0.2 else unique("k"), rnd.choice(["", "room-1"]),
              rnd.choice(ends)) for _ in range(80)]
    expected = [issue_coupon(conn, template_id=one[t], member_id=m, idempotency_key=f"1-{k}", source="test",
                             now=NOW, room_id=room, session_ends_at=end) for t, m, k, room, end in picks]
    got = issue_many(conn, [CouponClaim(many[t], m, f"n-{k}", "test", room, end) for t, m, k, room, end in picks],
                     now=NOW)

    def shown(outcomes):  # codes are random: whether there is one, and which earlier outcome an "already" repeats
        return [(o.issued, o.already, o.reason, o.face_value_fen, bool(o.coupon_code)) for o in outcomes]
    assert shown(got) == shown(expected)
    assert {"out_of_stock", "member_limit", "budget_exhausted", "template_inactive"} <= {o.reason for o in got}
    assert any(o.already for o in got)
    renamed = dict(zip(one, many))
    before, after = _state(conn, one), _state(conn, many)
    assert [sorted(tuple(renamed.get(v, v) for v in row) for row in part) for part in before] == \
        [sorted(tuple(row) for row in part) for part in after]


def test_coupons_given_back_leave_everything_as_if_they_had_never_been_issued(conn):
    stock, budget = make_template(conn, stock=5, per_member_limit=3), \
        make_template(conn, amount_off=Decimal("30"), kind="threshold_off", threshold=Decimal("199"),
                      budget=Decimal("150"))
    kept = issue_many(conn, [CouponClaim(stock, "a", unique("k"), "test"),
                             CouponClaim(budget, "a", unique("k"), "test")], now=NOW)
    without = _state(conn, [stock, budget])
    taken = issue_many(conn, [CouponClaim(t, m, unique("k"), "test") for t in (stock, budget) for m in "abb"],
                       now=NOW)
    assert all(o.issued for o in kept + taken)
    assert _state(conn, [stock, budget]) != without
    give_back(conn, [o.coupon_code for o in taken])
    assert _state(conn, [stock, budget]) == without
    # and what was given back can be issued again: the last unit of stock, up to the member's limit
    again = issue_many(conn, [CouponClaim(stock, m, unique("k"), "test") for m in "bbbbc"], now=NOW)
    assert [o.reason for o in again] == [None, None, None, "member_limit", None]


def test_racing_batches_and_single_claims_issue_the_stock_exactly(database_url):
    """Four batches (each its own transaction) and single claims race for 50 units spread over 16 shards."""
    with transaction() as conn:
        template = make_template(conn, stock=50, budget=Decimal("240"))  # 5 off: the budget pays for 48

    def batch(n: int) -> int:
        with transaction() as conn:
            done = issue_many(conn, [CouponClaim(template, unique("m"), unique("k"), "test") for _ in range(n)],
                              now=NOW)
        return sum(o.issued for o in done)

    def single() -> int:
        with transaction() as conn:
            return int(issue_coupon(conn, template_id=template, member_id=unique("m"), idempotency_key=unique("k"),
                                    source="test", now=NOW).issued)

    with ThreadPoolExecutor(max_workers=6) as pool:
        issued = sum(pool.map(lambda job: job(), [lambda: batch(20)] * 4 + [single] * 12))
    with transaction() as conn:
        shards, _, coupons = _state(conn, [template])
    assert issued == 48 == len(coupons)
    assert shards == [(template, 48, 48 * 500, 2, 0)]


def test_a_key_a_racing_claim_commits_first_answers_with_its_coupon_and_frees_the_allowance(database_url):
    """The batch looks for replayed keys before it writes; a single claim with one of its keys commits in
    between. That claim answers "already" with the other's coupon, and its member's next claim in the
    batch gets the allowance it did not use, as the claims one by one would."""
    with transaction() as conn:
        template = make_template(conn, per_member_limit=1)
    member, key = unique("m"), unique("k")
    with get_engine().connect() as single, ThreadPoolExecutor(max_workers=1) as pool:
        with single.begin():
            first = issue_coupon(single, template_id=template, member_id=unique("other"), idempotency_key=key,
                                 source="test", now=NOW)

            def batch() -> list:
                with transaction() as conn:
                    return issue_many(conn, [CouponClaim(template, member, key, "test"),
                                             CouponClaim(template, member, unique("k"), "test")], now=NOW)
            racing = pool.submit(batch)
            _wait_until_a_claim_waits_for(key)
        done = racing.result(timeout=30)
    assert first.issued
    assert (done[0].already, done[0].coupon_code) == (True, first.coupon_code)
    assert done[1].issued


def _wait_until_a_claim_waits_for(key: str) -> None:
    """Until a backend waits on a lock while inserting (the batch, at the coupon row the single claim holds)."""
    deadline = time.monotonic() + 20
    with get_engine().connect() as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                           "AND query LIKE '%INSERT INTO coupon (%'")).scalar()
            watcher.rollback()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError(f"no claim came to wait for {key}")
