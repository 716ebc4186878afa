"""Write member notifications inside the caller's transaction; replays are no-ops by idempotency key."""

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from core.db import json_text
from core.pgarray import array_literal


@dataclass(frozen=True)
class Note:
    member_id: str
    kind: str
    title: str
    body: str
    data: dict
    idempotency_key: str


def notify(conn: Connection, *, member_id: str, kind: str, title: str, body: str, data: dict,
           idempotency_key: str) -> None:
    notify_many(conn, [Note(member_id, kind, title, body, data, idempotency_key)])


# Ids in commit order. The member app reads "id > the last it saw"; two transactions writing side by
# side (two campaigns' lanes in a room) could take ids 100 and 101 and commit 101 first, and a read
# between the commits would move the cursor past 100 for good. So one transaction at a time writes
# notifications, from its insert to its commit. They come last in a grant's transaction: the lock is
# held for one INSERT and the commit, a few times a second. The lock is taken in the INSERT itself (one
# round trip, not two): every row joins the lock's one row, so no id is drawn before it is held.
INSERT = text("WITH in_order AS MATERIALIZED "
              "(SELECT pg_advisory_xact_lock(hashtext('notification-ids-in-commit-order'))) "
              "INSERT INTO notification (member_id, kind, title, body, data, idempotency_key) "
              "SELECT m, k, t, b, CAST(d AS jsonb), key FROM in_order, unnest(CAST(:m AS text[]), CAST(:k AS text[]), "
              "CAST(:t AS text[]), CAST(:b AS text[]), CAST(:d AS text[]), CAST(:key AS text[])) "
              "AS x(m, k, t, b, d, key) ON CONFLICT (idempotency_key) DO NOTHING")


def notify_many(conn: Connection, notes: list[Note]) -> None:
    """The notes, last in the caller's transaction (see INSERT)."""
    if notes:
        columns = {"m": [n.member_id for n in notes], "k": [n.kind for n in notes],
                   "t": [n.title for n in notes], "b": [n.body for n in notes],
                   "d": [json_text(n.data) for n in notes],
                   "key": [n.idempotency_key for n in notes]}
        conn.execute(INSERT, {name: array_literal(values) for name, values in columns.items()})
