"""IdHoles: the ids a cursor passes without their rows are kept until found or given up; a gap too big
for open transactions is reported, not kept."""

from core.id_holes import IdHoles


def test_ids_passed_without_rows_are_holes_until_found_or_given_up():
    holes = IdHoles(max_gap=5)
    assert holes.passed(10, [11, 13, 14, 17], now=1.0) == []
    assert sorted(holes.ids()) == [12, 15, 16] and 12 in holes and 13 not in holes
    holes.found([12, 99])
    assert sorted(holes.ids()) == [15, 16]
    holes.passed(17, [19], now=5.0)  # 18 passed later
    holes.give_up(passed_before=2.0)
    assert holes.ids() == [18] and bool(holes)


def test_a_gap_over_max_gap_is_reported_and_not_kept():
    holes = IdHoles(max_gap=5)
    assert holes.passed(0, [2, 20], now=1.0) == [(3, 19)]
    assert holes.ids() == [1]
    assert not IdHoles() and IdHoles().passed(0, [1000], now=0.0) == []  # no max_gap: every id is kept
