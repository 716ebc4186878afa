"""take_many leaves the budgets, and says of each take, exactly what take() one by one would; it holds the
rows it read, and the coupon rules' rows it was asked to, until the transaction ends."""

import random

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from activities.campaign_budget import take
from activities.campaign_budget_takes import Take, take_many
from core.db import get_engine, transaction
from tests.conftest import unique

pytestmark = pytest.mark.usefixtures("database_url")
STATE = ("SELECT rule_id, points_remaining, fen_remaining, stock_remaining, exhausted_reason, "
         "exhausted_at IS NOT NULL FROM campaign_budget WHERE campaign_id = :c ORDER BY rule_id")


def _budgets(conn, campaign_id: str, rows: dict[str, tuple]) -> None:
    for rule, (points, fen, stock) in rows.items():
        conn.execute(text("INSERT INTO campaign_budget (campaign_id, rule_id, points_remaining, fen_remaining, "
                          "stock_remaining) VALUES (:c, :r, :p, :f, :s)"),
                     {"c": campaign_id, "r": rule, "p": points, "f": fen, "s": stock})


def _scenario(rnd: random.Random) -> tuple[dict, list[Take]]:
    """Budgets that run dry part of the way (or are unlimited), and takes of rules with and without a row."""
    def cap(high: int):
        return None if rnd.random() < 0.3 else rnd.randrange(high)
    rows = {"": (cap(400), cap(3000), None)} | {r: (cap(150), cap(1500), cap(12)) for r in ("a", "b", "c")}
    takes = [Take(rnd.choice("abcd"), points=rnd.choice((0, 1, 5, 10, 40)), fen=rnd.choice((0, 0, 100, 500)),
                  stock=rnd.choice((0, 1, 1))) for _ in range(rnd.randrange(1, 60))]
    return rows, takes


@pytest.mark.parametrize("seed", range(12))
def test_a_batch_takes_what_its_takes_one_by_one_would_have(seed):
    rows, takes = _scenario(random.Random(seed))
    one_by_one, batched = unique("bud1"), unique("budn")
    with transaction() as conn:
        _budgets(conn, one_by_one, rows)
        _budgets(conn, batched, rows)
        expected = [take(conn, one_by_one, t.rule_id, points=t.points, fen=t.fen, stock=t.stock) for t in takes]
        got = take_many(conn, batched, takes)
        before, after = (conn.execute(text(STATE), {"c": c}).all() for c in (one_by_one, batched))
    assert got == expected
    assert after == before


def test_a_take_the_budget_cannot_meet_is_refused_and_the_row_stamped_while_smaller_ones_still_fit():
    campaign = unique("buddry")
    with transaction() as conn:
        _budgets(conn, campaign, {"": (25, None, None), "w": (None, None, 3)})
        took = take_many(conn, campaign, [Take("w", points=10, stock=1)] * 2 + [Take("w", points=10, stock=1),
                                                                                  Take("w", points=5, stock=1),
                                                                                  Take("w", points=1, stock=1)])
        state = conn.execute(text(STATE), {"c": campaign}).all()
    assert took == [True, True, False, True, False]  # the last: the rule's stock of 3 is gone
    assert state == [("", 0, None, None, "points budget exhausted", True),
                     ("w", None, None, 0, "points budget exhausted (rule w)", True)]  # as take() says it


def test_the_rows_read_and_the_coupon_rules_asked_for_stay_locked_until_the_transaction_ends():
    campaign = unique("budlock")
    with transaction() as conn:
        _budgets(conn, campaign, {"": (100, None, None), "pts": (None, None, None), "cpn": (None, 5000, 10),
                                  "other": (None, None, None)})

    def locked(rule: str) -> bool:
        with get_engine().connect() as other:
            try:
                other.execute(text("SELECT 1 FROM campaign_budget WHERE campaign_id = :c AND rule_id = :r "
                                   "FOR UPDATE NOWAIT"), {"c": campaign, "r": rule})
                return False
            except OperationalError:
                return True
            finally:
                other.rollback()

    with transaction() as conn:
        assert take_many(conn, campaign, [Take("pts", points=30, stock=1)], lock_too={"cpn"}) == [True]
        assert [locked(r) for r in ("", "pts", "cpn", "other")] == [True, True, True, False]
    assert not any(locked(r) for r in ("", "pts", "cpn"))
    with transaction() as conn:
        assert conn.execute(text(STATE), {"c": campaign}).all()[0][1] == 70
