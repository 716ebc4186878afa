"""take_many leaves the budgets, says of each take, and stamps the rows that ran dry, exactly as the dry run's
in-memory budgets do for the same takes; it holds the rows it read, and the coupon rules' rows it was asked
to, until the transaction ends."""

import random

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from activities.campaign_budget_takes import Take, take_many
from core.db import get_engine, transaction
from domain.campaigns.dry_limits import Budgets
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
    """Budgets that run dry part of the way, in points, coupon value or stock (or are unlimited), and takes as
    a tick makes them: points or coupon value, and one unit of stock."""
    def cap(high: int):
        return None if rnd.random() < 0.3 else rnd.randrange(high)
    rows = {"": (cap(400), cap(3000), None)} | {r: (cap(150), cap(1500), cap(12)) for r in ("a", "b", "c")}
    takes = [Take(rnd.choice("abc"), points=rnd.choice((0, 1, 5, 10, 40)), fen=rnd.choice((0, 0, 100, 500)),
                  stock=1) for _ in range(rnd.randrange(1, 60))]
    return rows, takes


def _dry_run(rows: dict[str, tuple], takes: list[Take]) -> tuple[list[bool], list[tuple]]:
    """What the dry run's budgets answer and leave, as STATE's rows: each row's reasons, in the order it ran dry."""
    model = Budgets(**{kind: {rule: caps[i] for rule, caps in rows.items()}
                       for i, kind in enumerate(("points", "fen", "stock"))})
    reasons: dict[str, list[str]] = {rule: [] for rule in rows}
    took = []
    for t in takes:
        refusal = model.take(t.rule_id, points=t.points, fen=t.fen)
        took.append(refusal is None)
        if refusal is not None:
            row = "" if refusal.budget.startswith("campaign") else t.rule_id
            why = refusal.reason + (f" (rule {row})" if row else "")
            reasons[row] += [why] if why not in reasons[row] else []
    state = [(rule, model.points[rule], model.fen[rule], model.stock[rule], "; ".join(reasons[rule]) or None,
              bool(reasons[rule])) for rule in sorted(rows)]
    return took, state


@pytest.mark.parametrize("seed", range(12))
def test_a_batch_takes_what_the_dry_runs_budgets_would_and_names_what_ran_dry(seed):
    rows, takes = _scenario(random.Random(seed))
    campaign = unique("budn")
    with transaction() as conn:
        _budgets(conn, campaign, rows)
        got = take_many(conn, campaign, takes)
        after = conn.execute(text(STATE), {"c": campaign}).all()
    assert (got, after) == _dry_run(rows, takes)


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
                     ("w", None, None, 0, "stock budget exhausted (rule w)", True)]


def test_a_rule_without_a_budget_row_takes_nothing():
    campaign = unique("budnone")
    with transaction() as conn:
        _budgets(conn, campaign, {"": (100, None, None)})
        assert take_many(conn, campaign, [Take("ghost", points=5, stock=1)]) == [False]
        assert conn.execute(text(STATE), {"c": campaign}).all() == [("", 100, None, None, None, False)]


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
