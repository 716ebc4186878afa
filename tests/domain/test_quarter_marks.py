"""Which events intake marks for the member index: the first and the earliest per room, member and quarter-hour."""

from datetime import datetime, timedelta, timezone

from domain.quarter_marks import KEPT_QUARTERS, QUARTER_S, QuarterMarks, on_quarter

Q0 = datetime(2026, 12, 3, 20, 0, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return Q0 + timedelta(seconds=seconds)


def test_the_first_event_of_each_member_room_and_quarter_is_marked_and_the_rest_are_not():
    marks, _ = QuarterMarks().mark("r1", [("a", at(1)), ("a", at(6)), ("b", at(6)), (None, at(7)),
                                          ("a", at(QUARTER_S + 1)), ("a", at(QUARTER_S + 5))])
    assert marks == [True, False, True, False, True, False]


def test_a_committed_batch_is_remembered_per_room():
    quarter = QuarterMarks()
    _, pending = quarter.mark("r1", [("a", at(10))])
    quarter.commit(pending)
    assert quarter.mark("r1", [("a", at(20)), ("a", at(30))])[0] == [False, False]
    assert quarter.mark("r2", [("a", at(20))])[0] == [True]


def test_an_event_earlier_than_every_committed_one_is_marked_again():
    quarter = QuarterMarks()
    quarter.commit(quarter.mark("r1", [("a", at(100))])[1])
    assert quarter.mark("r1", [("a", at(50)), ("a", at(60)), ("a", at(100))])[0] == [True, False, False]


def test_a_batch_not_committed_marks_nothing_away():
    quarter = QuarterMarks()
    quarter.mark("r1", [("a", at(10))])  # rolled back, say
    assert quarter.mark("r1", [("a", at(20))])[0] == [True]


def test_old_quarters_are_forgotten_and_their_stragglers_marked_again():
    quarter = QuarterMarks()
    for q in range(KEPT_QUARTERS + 1):
        quarter.commit(quarter.mark("r1", [("a", at(q * QUARTER_S + 1))])[1])
    assert quarter.mark("r1", [("a", at(2))])[0] == [True]  # quarter 0: forgotten
    newest = KEPT_QUARTERS * QUARTER_S
    assert quarter.mark("r1", [("a", at(newest + 2))])[0] == [False]


def test_quarter_hours_are_local_midnights_too():
    assert on_quarter(Q0) and not on_quarter(at(1))
    assert on_quarter(datetime(2026, 12, 3, tzinfo=timezone(timedelta(hours=5, minutes=45))))
    assert not on_quarter(datetime(2026, 12, 3, tzinfo=timezone(timedelta(hours=5, minutes=44))))
