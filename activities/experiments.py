"""Create an experiment on a campaign rule (idempotent by experiment id)."""

import json

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.errors import BadInput
from domain.experiments import arms
from models.experiments import ExperimentCreate


def create_experiment(conn: Connection, exp: ExperimentCreate) -> bool:
    """True when created; False when the same experiment already exists. A different experiment under the
    same id is refused: changing shares mid-flight would move members between arms."""
    arms(exp.holdout_share, [(v.name, v.share) for v in exp.variants])  # raises BadInput on bad shares
    if exp.control and exp.control not in [v.name for v in exp.variants]:
        raise BadInput(f"control {exp.control!r} is not one of the variants")
    variants = json.dumps([v.model_dump() for v in exp.variants])
    created = conn.execute(text("""
        INSERT INTO experiment (experiment_id, rule_id, name, holdout_share, control, variants, starts_at, ends_at)
        VALUES (:id, :rule, :name, :holdout, :control, CAST(:variants AS jsonb), :starts, :ends)
        ON CONFLICT (experiment_id) DO NOTHING RETURNING 1"""),
        {"id": exp.experiment_id, "rule": exp.rule_id, "name": exp.name, "holdout": exp.holdout_share,
         "control": exp.control, "variants": variants, "starts": exp.starts_at, "ends": exp.ends_at}).first()
    if created:
        return True
    same = conn.execute(text("SELECT rule_id = :rule AND holdout_share = :holdout AND variants = CAST(:v AS jsonb) "
                             "FROM experiment WHERE experiment_id = :id"),
                        {"id": exp.experiment_id, "rule": exp.rule_id, "holdout": exp.holdout_share,
                         "v": variants}).scalar_one()
    if not same:
        raise BadInput(f"experiment {exp.experiment_id} already exists with other rule, shares or variants")
    return False
