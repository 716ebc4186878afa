"""Prove the ledger: recompute every balance from postings and compare (`liveperks ledger verify`)."""

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.engine import Connection

UNBALANCED_ENTRIES = """
    SELECT entry_id, sum(amount) FROM posting GROUP BY entry_id HAVING sum(amount) <> 0 LIMIT 100"""

BALANCE_MISMATCHES = """
    WITH derived AS (
        SELECT member_id,
               sum(amount) FILTER (WHERE bucket = 'pending')   AS pending,
               sum(amount) FILTER (WHERE bucket = 'available') AS available,
               sum(amount) FILTER (WHERE bucket = 'spent')     AS spent,
               sum(amount) FILTER (WHERE bucket = 'expired')   AS expired,
               sum(amount) FILTER (WHERE bucket = 'reversed')  AS reversed
        FROM posting WHERE member_id IS NOT NULL GROUP BY member_id)
    SELECT coalesce(b.member_id, d.member_id),
           b.pending, coalesce(d.pending, 0), b.available, coalesce(d.available, 0),
           b.spent, coalesce(d.spent, 0), b.expired, coalesce(d.expired, 0), b.reversed, coalesce(d.reversed, 0)
    FROM member_balance b FULL JOIN derived d USING (member_id)
    WHERE (coalesce(b.pending, 0), coalesce(b.available, 0), coalesce(b.spent, 0), coalesce(b.expired, 0),
           coalesce(b.reversed, 0))
       IS DISTINCT FROM (coalesce(d.pending, 0), coalesce(d.available, 0), coalesce(d.spent, 0),
           coalesce(d.expired, 0), coalesce(d.reversed, 0))
    LIMIT 100"""

LOT_MISMATCHES = """
    SELECT b.member_id, greatest(b.available, 0), coalesce(l.open, 0)
    FROM member_balance b
    LEFT JOIN (SELECT member_id, sum(remaining) AS open FROM points_lot GROUP BY member_id) l USING (member_id)
    WHERE greatest(b.available, 0) <> coalesce(l.open, 0) LIMIT 100"""


@dataclass
class VerifyReport:
    entries: int = 0
    members: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_ledger(conn: Connection) -> VerifyReport:
    report = VerifyReport(
        entries=conn.execute(text("SELECT count(*) FROM journal_entry")).scalar_one(),
        members=conn.execute(text("SELECT count(*) FROM member_balance")).scalar_one())
    for entry_id, total in conn.execute(text(UNBALANCED_ENTRIES)):
        report.problems.append(f"entry {entry_id}: postings sum to {total}, not 0")
    for row in conn.execute(text(BALANCE_MISMATCHES)):
        member, *pairs = row
        names = ("pending", "available", "spent", "expired", "reversed")
        diffs = [f"{n} stored {pairs[2 * i]} derived {pairs[2 * i + 1]}" for i, n in enumerate(names)
                 if (pairs[2 * i] or 0) != pairs[2 * i + 1]]
        report.problems.append(f"member {member}: " + ", ".join(diffs))
    for member, available, open_lots in conn.execute(text(LOT_MISMATCHES)):
        report.problems.append(f"member {member}: available {available} but open lots hold {open_lots}")
    return report
