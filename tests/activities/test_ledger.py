from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from activities import ledger
from activities.expiry import expire_due_lots
from activities.ledger_verify import verify_ledger
from domain.errors import InsufficientPoints
from tests.conftest import unique

NOW = datetime(2026, 11, 20, tzinfo=timezone.utc)
YEAR = timedelta(days=365)


def balances(conn, member):
    row = conn.execute(text("SELECT pending, available, spent, expired, reversed FROM member_balance "
                            "WHERE member_id = :m"), {"m": member}).one()
    return dict(zip(("pending", "available", "spent", "expired", "reversed"), row))


def test_same_key_twice_is_applied_once(conn):
    m = unique("m")
    first = ledger.earn_pending(conn, key=f"{m}:earn", member_id=m, points=100, reference="o")
    again = ledger.earn_pending(conn, key=f"{m}:earn", member_id=m, points=100, reference="o")
    assert first.applied and not again.applied and again.entry_id == first.entry_id
    assert balances(conn, m)["pending"] == 100


def test_postings_must_sum_to_zero(conn):
    with pytest.raises(ValueError, match="sum to zero"):
        ledger.post_entry(conn, idempotency_key=unique("k"), kind="bad", member_id=None,
                          movements=[ledger.Movement("m", "available", 5)])


def test_ledger_rows_cannot_be_changed(conn):
    m = unique("m")
    ledger.earn_pending(conn, key=f"{m}:earn", member_id=m, points=10, reference="o")
    with pytest.raises(DBAPIError, match="append-only"):
        with conn.begin_nested():
            conn.execute(text("UPDATE posting SET amount = 1 WHERE member_id = :m"), {"m": m})


def test_spend_takes_oldest_expiring_lots_first(conn):
    m = unique("m")
    ledger.credit_available(conn, key=f"{m}:a", member_id=m, points=50, reference="x", now=NOW, lifetime=YEAR,
                            source="t")
    ledger.credit_available(conn, key=f"{m}:b", member_id=m, points=50, reference="x", now=NOW - timedelta(days=30),
                            lifetime=YEAR, source="t")
    ledger.spend(conn, key=f"{m}:spend", member_id=m, points=70, kind="spend", reference="gift")
    lots = conn.execute(text("SELECT remaining FROM points_lot WHERE member_id = :m ORDER BY expires_at"),
                        {"m": m}).scalars().all()
    assert lots == [0, 30]
    assert balances(conn, m)["available"] == 30 and balances(conn, m)["spent"] == 70


def test_spend_more_than_available_changes_nothing(conn):
    m = unique("m")
    ledger.credit_available(conn, key=f"{m}:a", member_id=m, points=10, reference="x", now=NOW, lifetime=YEAR,
                            source="t")
    with pytest.raises(InsufficientPoints):
        ledger.spend(conn, key=f"{m}:spend", member_id=m, points=11, kind="spend", reference="gift")
    assert balances(conn, m)["available"] == 10
    assert conn.execute(text("SELECT count(*) FROM journal_entry WHERE idempotency_key = :k"),
                        {"k": f"{m}:spend"}).scalar() == 0


def test_debt_policy_goes_negative_and_later_earnings_repay(conn):
    m = unique("m")
    ledger.credit_available(conn, key=f"{m}:a", member_id=m, points=100, reference="x", now=NOW, lifetime=YEAR,
                            source="t")
    ledger.spend(conn, key=f"{m}:s", member_id=m, points=80, kind="spend", reference="gift")
    _, forgiven = ledger.reverse_available(conn, key=f"{m}:r", member_id=m, points=100, reference="o", policy="debt")
    assert forgiven == 0 and balances(conn, m)["available"] == -80
    ledger.credit_available(conn, key=f"{m}:b", member_id=m, points=100, reference="x", now=NOW, lifetime=YEAR,
                            source="t")
    assert balances(conn, m)["available"] == 20
    assert conn.execute(text("SELECT sum(remaining) FROM points_lot WHERE member_id = :m"), {"m": m}).scalar() == 20


def test_clawback_policy_takes_what_is_there_and_forgives_the_rest(conn):
    m = unique("m")
    ledger.credit_available(conn, key=f"{m}:a", member_id=m, points=100, reference="x", now=NOW, lifetime=YEAR,
                            source="t")
    ledger.spend(conn, key=f"{m}:s", member_id=m, points=80, kind="spend", reference="gift")
    _, forgiven = ledger.reverse_available(conn, key=f"{m}:r", member_id=m, points=100, reference="o",
                                           policy="clawback")
    assert forgiven == 80 and balances(conn, m)["available"] == 0 and balances(conn, m)["reversed"] == 20


def test_expiry_moves_due_lots_to_expired(conn):
    m = unique("m")
    ledger.credit_available(conn, key=f"{m}:old", member_id=m, points=40, reference="x", now=NOW - 2 * YEAR,
                            lifetime=YEAR, source="t")
    ledger.credit_available(conn, key=f"{m}:new", member_id=m, points=60, reference="x", now=NOW, lifetime=YEAR,
                            source="t")
    result = expire_due_lots(conn, now=NOW, batch_size=100_000)
    assert result.points >= 40
    assert balances(conn, m)["available"] == 60 and balances(conn, m)["expired"] == 40
    assert verify_ledger(conn).ok
