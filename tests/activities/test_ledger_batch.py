"""credit_available_many leaves the ledger exactly as the same credits one by one would."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from activities import ledger
from activities.ledger_verify import verify_ledger
from tests.conftest import unique

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
LIFE = timedelta(days=365)


def _state(conn, members: list[str]) -> tuple:
    balances = conn.execute(text("SELECT available FROM member_balance WHERE member_id = ANY(:m) ORDER BY member_id"),
                            {"m": members}).scalars().all()
    lots = conn.execute(text("SELECT amount, remaining FROM points_lot WHERE member_id = ANY(:m) "
                             "ORDER BY member_id, id"), {"m": members}).all()
    postings = conn.execute(text("SELECT p.bucket, p.amount FROM posting p JOIN journal_entry j ON j.id = p.entry_id "
                                 "WHERE j.member_id = ANY(:m) ORDER BY j.member_id, p.id"), {"m": members}).all()
    return balances, lots, postings


def _scenario(conn, batch: bool) -> list[str]:
    a, b = unique("la"), unique("lb")
    # b starts in debt: a credit first pays it off, so its lot is only partly usable
    ledger.post_entry(conn, idempotency_key=unique("debt"), kind="test", member_id=b,
                      movements=[ledger.Movement(None, ledger.SYSTEM_ISSUED, 30),
                                 ledger.Movement(b, ledger.Bucket.AVAILABLE, -30)])
    credits = [ledger.Credit(unique("k"), a, 10, "r"), ledger.Credit(unique("k"), b, 20, "r"),
               ledger.Credit(unique("k"), b, 25, "r"), ledger.Credit(unique("k"), a, 5, "r")]
    if batch:
        assert ledger.credit_available_many(conn, credits, now=NOW, lifetime=LIFE, source="campaign") == \
            {c.key for c in credits}
        assert ledger.credit_available_many(conn, credits, now=NOW, lifetime=LIFE, source="campaign") == set()
    else:
        for c in credits:
            ledger.credit_available(conn, key=c.key, member_id=c.member_id, points=c.points, reference=c.reference,
                                    now=NOW, lifetime=LIFE, source="campaign")
    return [a, b]


def test_batch_equals_one_by_one(conn):
    one = _state(conn, _scenario(conn, batch=False))
    many = _state(conn, _scenario(conn, batch=True))
    assert one == many
    assert many[0] == [15, 15] and [r for _, r in many[1]] == [10, 5, 0, 15]
    assert verify_ledger(conn).ok
