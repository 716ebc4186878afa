"""Double-entry writes to the points ledger, inside the caller's transaction.

Every movement is one journal entry whose postings sum to zero, keyed by a
client-chosen idempotency key under a UNIQUE constraint: posting the same key
again returns the first entry with applied=False and changes nothing. Member
balances are maintained in the same transaction; lots track available points
by expiry, with sum(open lots) == max(available, 0) at all times.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from core.db import json_text
from core.pgarray import array_literal
from domain.errors import BadInput, InsufficientPoints
from models.ledger import MEMBER_BUCKETS, SYSTEM_ISSUED, Bucket


@dataclass(frozen=True)
class Movement:
    member_id: str | None  # None for system accounts
    bucket: str
    amount: int


@dataclass(frozen=True)
class Posted:
    entry_id: int
    applied: bool  # False: this idempotency key was already applied, nothing changed


def post_entry(conn: Connection, *, idempotency_key: str, kind: str, member_id: str | None,
               movements: list[Movement], reference: str | None = None,
               detail: dict[str, Any] | None = None) -> Posted:
    movements = [m for m in movements if m.amount != 0]
    if sum(m.amount for m in movements) != 0:
        raise ValueError(f"postings of {idempotency_key} do not sum to zero: {movements}")
    for m in movements:
        if m.member_id is not None and m.bucket not in MEMBER_BUCKETS:
            raise ValueError(f"unknown member bucket {m.bucket!r}")
    deltas: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MEMBER_BUCKETS, 0))
    for m in movements:
        if m.member_id is not None:
            deltas[m.member_id][m.bucket] += m.amount
    row = conn.execute(_POST, {
        "key": idempotency_key, "kind": kind, "member": member_id, "ref": reference, "detail": json_text(detail or {}),
        "pm": [m.member_id for m in movements], "pb": [str(m.bucket) for m in movements],
        "pa": [m.amount for m in movements], "bm": list(deltas),
        **{f"b_{b}": [d[b] for d in deltas.values()] for b in MEMBER_BUCKETS}}).first()
    if row is None:
        existing = conn.execute(text("SELECT id FROM journal_entry WHERE idempotency_key = :key"),
                                {"key": idempotency_key}).scalar_one()
        return Posted(existing, applied=False)
    return Posted(row[0], applied=True)


# Entry, postings and balances in one statement (one round trip instead of three): the postings and the
# balance change read the entry's RETURNING row, so a replayed key (ON CONFLICT DO NOTHING, no row) writes
# neither. Balance deltas come one row per member, so the upsert never touches a row twice.
_ADD_DELTAS = ", ".join(f"{b} = member_balance.{b} + EXCLUDED.{b}" for b in MEMBER_BUCKETS)
_POST = text(f"""
    WITH e AS (
        INSERT INTO journal_entry (idempotency_key, kind, member_id, reference, detail)
        VALUES (:key, :kind, :member, :ref, CAST(:detail AS jsonb))
        ON CONFLICT (idempotency_key) DO NOTHING RETURNING id),
    p AS (
        INSERT INTO posting (entry_id, member_id, bucket, amount)
        SELECT e.id, x.m, x.b, x.a
        FROM e, unnest(CAST(:pm AS text[]), CAST(:pb AS text[]), CAST(:pa AS bigint[])) WITH ORDINALITY x(m, b, a, n)
        ORDER BY x.n),
    b AS (
        INSERT INTO member_balance (member_id, {", ".join(MEMBER_BUCKETS)})
        SELECT x.* FROM e, unnest(CAST(:bm AS text[]), {", ".join(f"CAST(:b_{b} AS bigint[])" for b in MEMBER_BUCKETS)})
                                 x(member_id, {", ".join(MEMBER_BUCKETS)})
        ON CONFLICT (member_id) DO UPDATE SET {_ADD_DELTAS},
            updated_at = now())
    SELECT id FROM e""")


def lock_available(conn: Connection, member_id: str) -> int:
    """Lock the member's balance row (creating it) and return available points.
    Every change to available goes through here first, so lots stay consistent."""
    conn.execute(text("INSERT INTO member_balance (member_id) VALUES (:m) ON CONFLICT DO NOTHING"),
                 {"m": member_id})
    return conn.execute(text("SELECT available FROM member_balance WHERE member_id = :m FOR UPDATE"),
                        {"m": member_id}).scalar_one()


def earn_pending(conn: Connection, *, key: str, member_id: str, points: int, reference: str,
                 detail: dict | None = None) -> Posted:
    return post_entry(conn, idempotency_key=key, kind="earn_pending", member_id=member_id, reference=reference,
                      detail=detail, movements=[Movement(None, SYSTEM_ISSUED, -points),
                                                Movement(member_id, Bucket.PENDING, points)])


def reverse_pending(conn: Connection, *, key: str, member_id: str, points: int, reference: str,
                    detail: dict | None = None) -> Posted:
    return post_entry(conn, idempotency_key=key, kind="reverse_pending", member_id=member_id, reference=reference,
                      detail=detail, movements=[Movement(member_id, Bucket.PENDING, -points),
                                                Movement(member_id, Bucket.REVERSED, points)])


def confirm_pending(conn: Connection, *, key: str, member_id: str, points: int, reference: str, now: datetime,
                    lifetime: timedelta, source: str = "order") -> Posted:
    """pending -> available, opening a lot that expires after `lifetime`. Points first repay any debt."""
    return credit_available(conn, key=key, member_id=member_id, points=points, reference=reference, now=now,
                            lifetime=lifetime, source=source, from_bucket=Bucket.PENDING, kind="confirm")


def credit_available(conn: Connection, *, key: str, member_id: str, points: int, reference: str, now: datetime,
                     lifetime: timedelta, source: str, from_bucket: str | None = None,
                     kind: str = "earn", detail: dict | None = None) -> Posted:
    """Points straight to available (campaign grants) or from pending (order confirmation)."""
    before = lock_available(conn, member_id)
    origin = Movement(member_id, from_bucket, -points) if from_bucket else Movement(None, SYSTEM_ISSUED, -points)
    posted = post_entry(conn, idempotency_key=key, kind=kind, member_id=member_id, reference=reference,
                        detail=detail, movements=[origin, Movement(member_id, Bucket.AVAILABLE, points)])
    if posted.applied:
        usable = max(0, before + points) - max(0, before)
        conn.execute(text(
            "INSERT INTO points_lot (member_id, entry_id, source, amount, remaining, earned_at, expires_at) "
            "VALUES (:m, :e, :s, :a, :r, :now, :exp)"),
            {"m": member_id, "e": posted.entry_id, "s": source, "a": points, "r": usable, "now": now,
             "exp": now + lifetime})
    return posted


def reverse_available(conn: Connection, *, key: str, member_id: str, points: int, reference: str,
                      policy: str, detail: dict | None = None) -> tuple[Posted, int]:
    """Take back confirmed points. Returns (posted, forgiven).

    policy "debt": all of it, even into a negative balance that later earnings repay.
    policy "clawback": only what is available; the rest is forgiven and recorded.
    """
    before = lock_available(conn, member_id)
    taken = points if policy == "debt" else min(points, max(0, before))
    forgiven = points - taken
    posted = post_entry(conn, idempotency_key=key, kind="reverse_available", member_id=member_id,
                        reference=reference, detail={**(detail or {}), "forgiven": forgiven, "policy": policy},
                        movements=[Movement(member_id, Bucket.AVAILABLE, -taken),
                                   Movement(member_id, Bucket.REVERSED, taken)])
    if posted.applied:
        _consume_lots(conn, member_id, max(0, before) - max(0, before - taken))
    return posted, forgiven


def spend(conn: Connection, *, key: str, member_id: str, points: int, kind: str, reference: str,
          detail: dict | None = None) -> Posted:
    """available -> spent, oldest-expiring lots first. Raises InsufficientPoints, changing nothing."""
    if points <= 0:
        raise BadInput(f"points to spend must be positive, got {points}")
    already = conn.execute(text("SELECT id FROM journal_entry WHERE idempotency_key = :k"), {"k": key}).scalar()
    if already is not None:
        return Posted(already, applied=False)
    available = lock_available(conn, member_id)
    if available < points:
        raise InsufficientPoints(member_id, points, available)
    posted = post_entry(conn, idempotency_key=key, kind=kind, member_id=member_id, reference=reference,
                        detail=detail, movements=[Movement(member_id, Bucket.AVAILABLE, -points),
                                                  Movement(member_id, Bucket.SPENT, points)])
    if posted.applied:
        _consume_lots(conn, member_id, points)
    return posted


def _consume_lots(conn: Connection, member_id: str, points: int) -> None:
    if points <= 0:
        return
    conn.execute(text("""
        WITH ordered AS (
            SELECT id, remaining,
                   sum(remaining) OVER (ORDER BY expires_at, id) - remaining AS before
            FROM points_lot WHERE member_id = :m AND remaining > 0
        )
        UPDATE points_lot l SET remaining = l.remaining - LEAST(o.remaining, :p - o.before)
        FROM ordered o WHERE l.id = o.id AND o.before < :p"""), {"m": member_id, "p": points})




@dataclass(frozen=True)
class Credit:
    key: str
    member_id: str
    points: int
    reference: str
    detail: dict | None = None


# credit_available_many's one statement (one round trip for a tick's thousands of credits): the entries
# and their postings (each credit: the system's issue account out, the member's available in; each
# posting pair in its entry's order, as one credit_available after another), then each member's total
# added to its balance, returning what the balance came to, so the balance before the batch is that less
# the total (no SELECT ... FOR UPDATE first: a row lock is a WAL record per member; rows are locked in
# member order, so racing batches lock members alike; a member's first credit makes its row). Then the
# lots, in credit order: each usable as far as it brings the running balance above zero (a member in
# debt repays it first). Keys applied before are skipped by the entries' ON CONFLICT, and so is all
# that follows from them.
_CREDIT_MANY = text(
    "WITH c AS (SELECT * FROM unnest(CAST(:k AS text[]), CAST(:m AS text[]), CAST(:r AS text[]), "
    "CAST(:d AS text[]), CAST(:p AS bigint[])) WITH ORDINALITY AS c(k, m, r, d, p, n)), "
    "entry AS (INSERT INTO journal_entry (idempotency_key, kind, member_id, reference, detail) "
    "SELECT k, :kind, m, r, CAST(d AS jsonb) FROM c ORDER BY n ON CONFLICT (idempotency_key) DO NOTHING "
    "RETURNING id, idempotency_key), "
    "applied AS MATERIALIZED (SELECT e.id, c.k, c.m, c.p, c.n FROM entry e JOIN c ON c.k = e.idempotency_key), "
    "posted AS (INSERT INTO posting (entry_id, member_id, bucket, amount) SELECT a.id, x.m, x.b, x.a FROM applied a "
    "CROSS JOIN LATERAL (VALUES (1, NULL, CAST(:system AS text), -a.p), (2, a.m, :available, a.p)) AS x(i, m, b, a) "
    "ORDER BY a.id, x.i), "
    "balance AS (INSERT INTO member_balance AS b (member_id, available, updated_at) "
    "SELECT m, sum(p), now() FROM applied GROUP BY m ORDER BY m ON CONFLICT (member_id) DO UPDATE "
    "SET available = b.available + EXCLUDED.available, updated_at = now() RETURNING b.member_id, b.available), "
    "lots AS (INSERT INTO points_lot (member_id, entry_id, source, amount, remaining, earned_at, expires_at) "
    "SELECT m, id, :s, p, greatest(0, after_it) - greatest(0, after_it - p), :now, :exp FROM ("
    "SELECT a.m, a.id, a.p, a.n, b.available - sum(a.p) OVER (PARTITION BY a.m) "
    "+ sum(a.p) OVER (PARTITION BY a.m ORDER BY a.n) AS after_it FROM applied a JOIN balance b ON b.member_id = a.m"
    ") AS running ORDER BY n) "
    "SELECT k FROM applied")


def credit_available_many(conn: Connection, credits: list[Credit], *, now: datetime, lifetime: timedelta,
                          source: str, kind: str = "earn") -> set[str]:
    """credit_available for a batch, set-wise: the same journal entries, postings, balances and lots in one
    statement (_CREDIT_MANY; campaign ticks grant thousands at once). Returns the keys applied now;
    keys applied before are skipped, as with credit_available."""
    if not credits:
        return set()
    keys = conn.execute(_CREDIT_MANY, {
        "kind": kind, "k": array_literal([c.key for c in credits]), "m": array_literal([c.member_id for c in credits]),
        "r": array_literal([c.reference for c in credits]), "p": array_literal([c.points for c in credits]),
        "d": array_literal([json_text(c.detail or {}) for c in credits]), "system": SYSTEM_ISSUED,
        "available": Bucket.AVAILABLE.value, "s": source, "now": now, "exp": now + lifetime}).scalars()
    return set(keys)
