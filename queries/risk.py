"""Read-only SQL for risk: all events of a window (training), labels, the serving model's version, the review queue."""

from datetime import datetime

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.risk.features import EventLog

# Shared with the aggregate fold (activities/risk_aggregates.py), so training and serving read the
# same values: whole milliseconds (the feature code works in integer ms) and one comment key.
EVENT_MS = "floor(extract(epoch FROM occurred_at) * 1000)::bigint"
DECISION_MS = "floor(extract(epoch FROM created_at) * 1000)::bigint"
COMMENT_KEY = "CASE WHEN type = 'comment' THEN left(lower(btrim(coalesce(payload->>'text', ''))), 200) ELSE '' END"
# Every order is scored once (kind order_points) and every other grant too: risk_decision is the log
# of both, as member-only side events.
DECISION_TYPE = "CASE WHEN kind = 'order_points' THEN 'order' ELSE 'grant' END"

_COLUMNS = f"{EVENT_MS}, type, coalesce(member_id, ''), device_id, ip, risk_network(ip), room_id, {COMMENT_KEY}"
_SIDE = f"SELECT {DECISION_MS}, {DECISION_TYPE}, member_id, '', '', '', '', '' FROM risk_decision"


def _to_log(conn: Connection, sql: str, params: dict) -> EventLog:
    """Run an event query and fetch it as eight arrays (one row), far cheaper than row objects."""
    names = ("t", "type", "member", "device", "ip", "network", "room", "text")
    agg = ", ".join(f"coalesce(array_agg(e.{n}), '{{}}')" for n in names)
    row = conn.execute(text(f"SELECT {agg} FROM ({sql}) AS e({', '.join(names)})"), params).one()
    obj = [np.array(c, dtype=object) for c in row]
    return EventLog(t_ms=np.array(row[0], dtype=np.int64), etype=obj[1],
                    keys={"member": obj[2], "device": obj[3], "ip": obj[4], "network": obj[5], "room": obj[6],
                          "text": obj[7]})


def window_events(conn: Connection, *, since: datetime, until: datetime) -> EventLog:
    """Every event in (since, until], in time order: the training path's input."""
    return _to_log(conn,
        f"SELECT * FROM (SELECT {_COLUMNS} FROM room_event WHERE occurred_at > :since AND occurred_at <= :until "
        f"UNION ALL {_SIDE} WHERE created_at > :since AND created_at <= :until) AS w ORDER BY 1",
        {"since": since, "until": until})


def networks_of(conn: Connection, ips: list[str]) -> list[str]:
    return [r[0] for r in conn.execute(text("SELECT risk_network(x) FROM unnest(CAST(:ips AS text[])) AS x"),
                                       {"ips": ips})]


def labels(conn: Connection, exclude_sources: tuple[str, ...] = ()) -> dict[tuple[str, str], str]:
    """(entity_kind, entity) -> 'fraud' or 'genuine' (fraud wins if both were recorded), optionally
    without the labels of some sources (e.g. 'ring')."""
    out: dict[tuple[str, str], str] = {}
    for kind, entity, label in conn.execute(text(
            "SELECT entity_kind, entity, label FROM risk_label WHERE source <> ALL(CAST(:skip AS text[]))"),
            {"skip": list(exclude_sources)}):
        if out.get((kind, entity)) != "fraud":
            out[(kind, entity)] = label
    return out


def serving_version(conn: Connection) -> str | None:
    return conn.execute(text("SELECT version FROM risk_model WHERE status = 'serving'")).scalar()


def held_decisions(conn: Connection, *, limit: int = 100, after_id: int = 0,
                   member_id: str | None = None) -> list[dict]:
    """Oldest first; page with after_id (the last id seen) so a long queue is walked without offsets."""
    rows = conn.execute(text(
        "SELECT id, reference, kind, member_id, device_id, ip, room_id, value, score, model_version, reasons, "
        "top_features, created_at FROM risk_decision WHERE status = 'held' AND id > :after "
        "AND (CAST(:member AS text) IS NULL OR member_id = :member) ORDER BY id LIMIT :n"),
        {"n": limit, "after": after_id, "member": member_id})
    return [dict(r._mapping) for r in rows]


def models(conn: Connection) -> list[dict]:
    rows = conn.execute(text(
        "SELECT version, kind, status, train_from, train_to, metrics, artifact_sha256, promoted_by, promoted_at, "
        "note, created_at, jsonb_array_length(features) AS n_features FROM risk_model ORDER BY id DESC"))
    return [dict(r._mapping) for r in rows]
