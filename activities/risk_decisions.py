"""Store risk decisions inside the caller's transaction: one INSERT for a few, COPY for a batch."""

from typing import NamedTuple

import orjson
from sqlalchemy import text
from sqlalchemy.engine import Connection

from core.pgarray import array_literal
from models.risk_base import Decision, GrantRequest

STATUS = {Decision.ALLOW: "allowed", Decision.HOLD: "held", Decision.DENY: "denied"}


def _json(values: list[str]) -> str:
    """A list of words as JSON text; most grants have no reasons at all."""
    return orjson.dumps(values).decode() if values else "[]"


_STORED = ("reference, kind, member_id, device_id, ip, room_id, value, decision, status, score, model_version, "
           "hold_above, deny_above, reasons, top_features")
_INSERT = text(  # parsed once
    f"INSERT INTO risk_decision ({_STORED}) "
    "SELECT * FROM unnest(CAST(:ref AS text[]), CAST(:kind AS text[]), CAST(:member AS text[]), "
    "CAST(:device AS text[]), CAST(:ip AS text[]), CAST(:room AS text[]), CAST(:value AS bigint[]), "
    "CAST(:decision AS text[]), CAST(:status AS text[]), CAST(:score AS float8[]), CAST(:version AS text[]), "
    "CAST(:hold AS float8[]), CAST(:deny AS float8[]), CAST(:reasons AS jsonb[]), CAST(:top AS jsonb[])) "
    "RETURNING id")


_IDS = "SELECT nextval(pg_get_serial_sequence('risk_decision', 'id')) FROM generate_series(1, %s)"
COPY_FROM = 256  # rows: below this one prepared INSERT is quicker; above, binding arrays costs more than COPY


# _INSERT's parameters, in _STORED's column order
_PARAMS = ("ref", "kind", "member", "device", "ip", "room", "value", "decision", "status", "score", "version",
           "hold", "deny", "reasons", "top")


class Outcome(NamedTuple):
    """A scored grant's decision, before it is stored (and gets its id)."""

    decision: Decision
    score: float
    reasons: list[str]
    top_features: list[str]


def _rows(requests: list[GrantRequest], outcomes: list[Outcome], version: str,
          thresholds: list[tuple[float, float]]):
    """Each decision's values in _STORED's column order, for COPY and for INSERT alike."""
    for r, (decision, score, reasons, words), (hold, deny) in zip(requests, outcomes, thresholds):
        yield (r.reference, r.kind, r.member_id, r.device_id, r.ip, r.room_id, r.value, decision.value,
               STATUS[decision], score, version, hold, deny, _json(reasons), _json(words))


def _copy_decisions(conn: Connection, rows: list[tuple]) -> list[int]:
    """The rows through COPY, with ids drawn first so they can be returned."""
    cur = conn.connection.driver_connection.cursor()
    ids = [row[0] for row in cur.execute(_IDS, (len(rows),)).fetchall()]
    with cur.copy(f"COPY risk_decision (id, {_STORED}) FROM STDIN") as copy:
        for i, row in zip(ids, rows):
            copy.write_row((i, *row))
    return ids


def store_decisions(conn: Connection, requests: list[GrantRequest], outcomes: list[Outcome], version: str,
                    thresholds: list[tuple[float, float]]) -> list[int]:
    """The decisions' ids, in order."""
    if not requests:
        return []
    rows = list(_rows(requests, outcomes, version, thresholds))
    if len(rows) >= COPY_FROM:
        return _copy_decisions(conn, rows)
    stored = conn.execute(_INSERT, {name: array_literal(column) for name, column in zip(_PARAMS, zip(*rows))}).all()
    return [r[0] for r in stored]
