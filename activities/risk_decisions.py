"""Store risk decisions inside the caller's transaction: one INSERT for a few, COPY for a batch."""

import json

from sqlalchemy import text
from sqlalchemy.engine import Connection

from core.pgarray import array_literal
from models.risk_base import Decision, GrantRequest, RiskVerdict

STATUS = {Decision.ALLOW: "allowed", Decision.HOLD: "held", Decision.DENY: "denied"}


_INSERT = text(  # parsed once
    "INSERT INTO risk_decision (reference, kind, member_id, device_id, ip, room_id, value, decision, status, "
    "score, model_version, hold_above, deny_above, reasons, top_features) "
    "SELECT * FROM unnest(CAST(:ref AS text[]), CAST(:kind AS text[]), CAST(:member AS text[]), "
    "CAST(:device AS text[]), CAST(:ip AS text[]), CAST(:room AS text[]), CAST(:value AS bigint[]), "
    "CAST(:decision AS text[]), CAST(:status AS text[]), CAST(:score AS float8[]), CAST(:version AS text[]), "
    "CAST(:hold AS float8[]), CAST(:deny AS float8[]), CAST(:reasons AS jsonb[]), CAST(:top AS jsonb[])) "
    "RETURNING id")


_COLUMNS = ("id, reference, kind, member_id, device_id, ip, room_id, value, decision, status, score, model_version, "
            "hold_above, deny_above, reasons, top_features")
_IDS = "SELECT nextval(pg_get_serial_sequence('risk_decision', 'id')) FROM generate_series(1, %s)"
COPY_FROM = 256  # rows: below this one prepared INSERT is quicker; above, binding arrays costs more than COPY
_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_decisions(conn: Connection, requests: list[GrantRequest], verdicts: list[RiskVerdict],
                    thresholds: list[tuple[float, float]]) -> list[int]:
    """The same rows through COPY (text format), with ids drawn first so they can be returned."""
    cur = conn.connection.driver_connection.cursor()
    ids = [row[0] for row in cur.execute(_IDS, (len(requests),)).fetchall()]
    lines = []
    for i, r, v, (hold, deny) in zip(ids, requests, verdicts, thresholds):
        fields = (r.reference, r.kind, r.member_id, r.device_id, r.ip, r.room_id)
        lines.append(f"{i}\t{_join(fields)}\t{int(r.value)}\t"
                     f"{v.decision.value}\t{STATUS[v.decision]}\t{float(v.score)!r}\t{_text(v.model_version)}\t"
                     f"{float(hold)!r}\t{float(deny)!r}\t{_text(json.dumps(v.reasons))}\t{_text(json.dumps(v.top_features))}\n")
    with cur.copy(f"COPY risk_decision ({_COLUMNS}) FROM STDIN") as copy:
        copy.write("".join(lines))
    return ids


def _text(value: str) -> str:
    return value.translate(_ESCAPE)


def _join(fields: tuple[str, ...]) -> str:
    return "\t".join(f.translate(_ESCAPE) for f in fields)


def store_decisions(conn: Connection, requests: list[GrantRequest], verdicts: list[RiskVerdict],
                    thresholds: list[tuple[float, float]]) -> list[int]:
    if not requests:
        return []
    if len(requests) >= COPY_FROM:
        return _copy_decisions(conn, requests, verdicts, thresholds)
    rows = conn.execute(_INSERT, {name: array_literal(values) for name, values in {
        "ref": [r.reference for r in requests], "kind": [r.kind for r in requests],
        "member": [r.member_id for r in requests], "device": [r.device_id for r in requests],
        "ip": [r.ip for r in requests], "room": [r.room_id for r in requests],
        "value": [r.value for r in requests], "decision": [v.decision.value for v in verdicts],
        "status": [STATUS[v.decision] for v in verdicts], "score": [v.score for v in verdicts],
        "version": [v.model_version for v in verdicts], "hold": [t[0] for t in thresholds],
        "deny": [t[1] for t in thresholds], "reasons": [json.dumps(v.reasons) for v in verdicts],
        "top": [json.dumps(v.top_features) for v in verdicts]}.items()}).all()
    return [r[0] for r in rows]
