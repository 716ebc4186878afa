"""The ledger's invariants under any sequence of operations (hypothesis stateful test):
postings sum to zero, stored balances equal derived ones, open lots equal max(available, 0),
and replaying any operation's key changes nothing."""

from datetime import datetime, timedelta, timezone

from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import text

from activities import ledger
from activities.expiry import expire_due_lots
from activities.ledger_verify import verify_ledger
from domain.errors import InsufficientPoints
from tests.conftest import unique

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
points = st.integers(min_value=1, max_value=500)


def make_machine(conn):
    class LedgerMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.member = unique("hm")
            self.keys: list[tuple[str, str, int]] = []
            self.now = START
            self.model = {"pending": 0, "available": 0, "spent": 0, "expired": 0, "reversed": 0}
            self.n = 0

        def key(self) -> str:
            self.n += 1
            return f"{self.member}:{self.n}"

        @rule(p=points)
        def earn_pending(self, p):
            k = self.key()
            ledger.earn_pending(conn, key=k, member_id=self.member, points=p, reference="t")
            self.keys.append(("pending", k, p))
            self.model["pending"] += p

        @precondition(lambda self: self.model["pending"] > 0)
        @rule(data=st.data())
        def confirm(self, data):
            p = data.draw(st.integers(1, self.model["pending"]))
            ledger.confirm_pending(conn, key=self.key(), member_id=self.member, points=p, reference="t",
                                   now=self.now, lifetime=timedelta(days=30))
            self.model["pending"] -= p
            self.model["available"] += p

        @rule(p=points)
        def spend(self, p):
            try:
                ledger.spend(conn, key=self.key(), member_id=self.member, points=p, kind="spend", reference="t")
            except InsufficientPoints:
                assert p > self.model["available"]
                return
            self.model["available"] -= p
            self.model["spent"] += p

        @rule(p=points, policy=st.sampled_from(["debt", "clawback"]))
        def reverse_available(self, p, policy):
            _, forgiven = ledger.reverse_available(conn, key=self.key(), member_id=self.member, points=p,
                                                   reference="t", policy=policy)
            self.model["available"] -= p - forgiven
            self.model["reversed"] += p - forgiven

        @rule(days=st.integers(1, 40))
        def time_passes_and_lots_expire(self, days):
            self.now += timedelta(days=days)
            before = self._stored()["available"]
            result = expire_due_lots(conn, now=self.now, batch_size=1_000_000)
            mine = before - self._stored()["available"]
            self.model["available"] -= mine
            self.model["expired"] += mine
            assert result.points >= mine

        @precondition(lambda self: self.keys)
        @rule(data=st.data())
        def replay_an_earlier_key(self, data):
            _, k, p = data.draw(st.sampled_from(self.keys))
            assert not ledger.earn_pending(conn, key=k, member_id=self.member, points=p, reference="t").applied

        def _stored(self):
            row = conn.execute(text("SELECT pending, available, spent, expired, reversed FROM member_balance "
                                    "WHERE member_id = :m"), {"m": self.member}).first()
            return dict(zip(self.model, row)) if row else dict.fromkeys(self.model, 0)

        @invariant()
        def balances_match_the_model_and_the_postings(self):
            assert self._stored() == self.model
            report = verify_ledger(conn)
            assert report.ok, report.problems

    return LedgerMachine


def test_ledger_invariants_hold_for_any_sequence(conn):
    machine = make_machine(conn)
    machine.TestCase.settings = settings(max_examples=25, stateful_step_count=20, deadline=None)
    machine.TestCase().runTest()
