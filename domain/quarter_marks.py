"""Which room events the member index holds: each member's first and earliest in a room per quarter-hour.

`ix_room_event_member_time` is read by three questions: has this member been in the room before (a
newcomer coupon), when was the member first seen (a risk feature), and who was in the rooms during a report
period. An index over every event answered them at the price of a random btree insert per heartbeat, over
a third of intake's CPU in PostgreSQL (migration 0023). The index now holds only rows with
`first_in_quarter` set, and intake sets it on enough rows to answer all three exactly. For every (room,
member, quarter-hour) that has events:

- its first event by id is marked (ids grow in commit order within a room, so the first committed batch
  marks it: no process has the key before any event of it commits);
- an event with its earliest time is marked (an event is marked when it is earlier than every committed
  one this process knows of for its key).

A process remembers what it committed (`commit`, called after the transaction commits), so marks are a
superset: another process, a restart or a forgotten quarter only marks more. A batch that meets stored ids
marks every row and is not remembered; rows written by anything else get the column's default, true."""

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

QUARTER_S = 900
KEPT_QUARTERS = 2  # the current and the last: events come in about time order; a straggler is only marked again

Key = tuple[str, int]  # (room, quarter)
Pending = dict[Key, dict[str, datetime]]  # (room, quarter) -> member -> earliest time marked, not yet committed


def on_quarter(at: datetime) -> bool:
    """Whether `at` starts a quarter-hour: between two such times the marked rows name every member present."""
    return at.timestamp() % QUARTER_S == 0


class QuarterMarks:
    def __init__(self) -> None:
        self._earliest: Pending = {}  # the same for committed batches
        self._lock = threading.Lock()

    def mark(self, room_id: str, events: Sequence[tuple[str | None, datetime]]) -> tuple[list[bool], Pending]:
        """Marks for a batch's (member, occurred_at) in insertion order, and what to `commit` once it has
        committed. Datetimes are compared as they are, and a batch's quarter found once per change of quarter
        (events come in about time order): 0.6 us an event, where keys of floats from timestamp() took 1.9."""
        marks: list[bool] = []
        pending: Pending = {}
        lo = hi = None
        batch: dict[str, datetime] = {}
        committed: dict[str, datetime] = {}
        for member, at in events:
            if member is None:
                marks.append(False)  # room-wide: no member to index
                continue
            if hi is None or not lo <= at < hi:
                quarter = int(at.timestamp()) // QUARTER_S
                lo = datetime.fromtimestamp(quarter * QUARTER_S, at.tzinfo)
                hi = lo + timedelta(seconds=QUARTER_S)
                batch = pending.setdefault((room_id, quarter), {})
                committed = self._earliest.get((room_id, quarter), {})
            known = batch.get(member) or committed.get(member)
            if known is None or at < known:
                batch[member] = at
                marks.append(True)
            else:
                marks.append(False)
        return marks, pending

    def commit(self, pending: Pending) -> None:
        with self._lock:
            for key, members in pending.items():
                known = self._earliest.setdefault(key, {})
                for member, at in members.items():
                    if member not in known or at < known[member]:
                        known[member] = at
            newest = max(quarter for _, quarter in self._earliest) if self._earliest else 0
            for key in [key for key in self._earliest if key[1] <= newest - KEPT_QUARTERS]:
                del self._earliest[key]
