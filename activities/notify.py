"""Write member notifications inside the caller's transaction; replays are no-ops by idempotency key."""

import json
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

INSERT = text("INSERT INTO notification (member_id, kind, title, body, data, idempotency_key) "
              "VALUES (:m, :k, :t, :b, CAST(:d AS jsonb), :key) ON CONFLICT (idempotency_key) DO NOTHING")


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


def notify_many(conn: Connection, notes: list[Note]) -> None:
    if notes:
        conn.execute(INSERT, [{"m": n.member_id, "k": n.kind, "t": n.title, "b": n.body,
                               "d": json.dumps(n.data, ensure_ascii=False, default=str), "key": n.idempotency_key}
                              for n in notes])
