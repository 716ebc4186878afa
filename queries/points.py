"""A member's balances (O(1): the maintained row) and paginated history."""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from models.ledger import BalancesPublic, HistoryItemPublic, HistoryPage


def balances(conn: Connection, member_id: str) -> BalancesPublic:
    row = conn.execute(text("SELECT pending, available, spent, expired, reversed FROM member_balance "
                            "WHERE member_id = :m"), {"m": member_id}).mappings().first()
    nxt = conn.execute(text("SELECT expires_at, sum(remaining) FROM points_lot WHERE member_id = :m AND remaining > 0 "
                            "GROUP BY expires_at ORDER BY expires_at LIMIT 1"), {"m": member_id}).first()
    return BalancesPublic(member_id=member_id, **(dict(row) if row else {}),
                          next_expiry_at=nxt[0] if nxt else None, next_expiry_points=nxt[1] if nxt else 0)


def history(conn: Connection, member_id: str, *, before: int | None, limit: int) -> HistoryPage:
    rows = conn.execute(text("""
        SELECT e.id, e.kind, e.reference, e.created_at,
               jsonb_object_agg(p.bucket, p.amount) AS changes
        FROM journal_entry e JOIN posting p ON p.entry_id = e.id AND p.member_id = :m
        WHERE e.member_id = :m AND (CAST(:before AS bigint) IS NULL OR e.id < :before)
        GROUP BY e.id ORDER BY e.id DESC LIMIT :limit"""), {"m": member_id, "before": before, "limit": limit}).all()
    items = [HistoryItemPublic(entry_id=r[0], kind=r[1], reference=r[2], created_at=r[3], changes=r[4]) for r in rows]
    return HistoryPage(items=items, next_cursor=items[-1].entry_id if len(items) == limit else None)
