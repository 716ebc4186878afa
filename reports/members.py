"""The per-member sections (buyers, rules, experiments) as sums over a slice of members, so two connections
can each take one slice of the member space and the sums add up to exactly the figures of one pass.

Slices are member_id ranges split at the middle of the event log's member_id histogram (pg_stats): each side
then reads only its own range of the (member_id, occurred_at) index, with no work done twice."""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from core.settings import Settings
from domain.report_period import Period
from reports.queries import buyers, experiments, rules
from reports.queries.common import Members, prepare


def member_counts(conn: Connection, p: Period, settings: Settings, members: Members = None, *,
                  with_experiments: bool = True) -> dict:
    prepare(conn, p, members)
    return {"buyers": buyers.buyers_counts(conn, p, members), "rules": rules.rules_counts(conn, p, members),
            "experiments": experiments.experiments_counts(conn, p, settings.point_value_fen)
            if with_experiments else []}


def add_member_counts(a: dict, b: dict) -> dict:
    return {"buyers": buyers.add_counts(a["buyers"], b["buyers"]), "rules": rules.add_counts(a["rules"], b["rules"]),
            "experiments": experiments.add_counts(a["experiments"], b["experiments"])}


def member_sections(p: Period, settings: Settings, counts: dict) -> dict:
    return {"buyers": buyers.buyers_section(None, p, counts["buyers"]),
            "rules": rules.rules_section(None, p, settings.point_value_fen, counts["rules"]),
            "experiments": experiments.experiments_section(None, p, settings.point_value_fen,
                                                           settings.experiment_min_per_arm, counts["experiments"])}


def split_point(conn: Connection) -> str | None:
    """The middle bound of room_event.member_id's histogram; None before the table has statistics."""
    return conn.execute(text("""
        SELECT b[array_length(b, 1) / 2 + 1]
        FROM (SELECT histogram_bounds::text::text[] AS b FROM pg_stats
              WHERE tablename = 'room_event' AND attname = 'member_id'
                AND schemaname = ANY (current_schemas(false))) s""")).scalar()
