"""Reading a table by id while its writers commit out of id order.

Concurrent transactions take ids in one order and commit in another, so a reader that moves a cursor
past the newest id it sees would miss the rows committed late. Every id it passes without a row is a
hole, kept and looked for again until its row turns up or it is too old (a rolled-back id never does).
Used by the risk follower (risk/memory_follow.py) and the room-events benchmark's grant poller.
"""

from collections.abc import Iterable


class IdHoles:
    def __init__(self, *, max_gap: int | None = None) -> None:
        self.max_gap = max_gap  # a bigger gap is not what open transactions leave: not kept
        self.since: dict[int, float] = {}  # id -> when first passed without its row

    def __contains__(self, row_id: int) -> bool:
        return row_id in self.since

    def __bool__(self) -> bool:
        return bool(self.since)

    def ids(self) -> list[int]:
        return list(self.since)

    def passed(self, after: int, ids: Iterable[int], now: float) -> list[tuple[int, int]]:
        """The ids read after the cursor `after`, ascending: the ones between them without a row become
        holes. Returns the ranges skipped as over max_gap."""
        skipped, expected = [], after + 1
        for row_id in ids:
            if row_id != expected:
                if self.max_gap is None or row_id - expected <= self.max_gap:
                    self.since.update(dict.fromkeys(range(expected, row_id), now))
                else:
                    skipped.append((expected, row_id - 1))
            expected = row_id + 1
        return skipped

    def found(self, ids: Iterable[int]) -> None:
        for row_id in ids:
            self.since.pop(row_id, None)

    def give_up(self, passed_before: float) -> None:
        """Holes first passed before this time: their rows are not coming."""
        self.since = {i: t for i, t in self.since.items() if t >= passed_before}
