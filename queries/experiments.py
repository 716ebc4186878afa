"""Which arm of a rule's experiment a member is in: what the campaign module asks before granting.

None when the rule runs no experiment at `at`; "holdout" means grant nothing; otherwise the variant's
name and params (e.g. {"coupon_fen": 1000})."""

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.experiments import HOLDOUT, assign


def arm_for(conn: Connection, *, rule_id: str, member_id: str, at: datetime) -> tuple[str, str, dict] | None:
    """(experiment_id, arm, params) or None."""
    row = conn.execute(text("""
        SELECT experiment_id, holdout_share, variants FROM experiment
        WHERE rule_id = :rule AND starts_at <= :at AND (ends_at IS NULL OR ends_at > :at)
        ORDER BY starts_at DESC LIMIT 1"""), {"rule": rule_id, "at": at}).first()
    if row is None:
        return None
    experiment_id, holdout, variants = row
    arm = assign(experiment_id, member_id, holdout, [(v["name"], v["share"]) for v in variants])
    params = {} if arm == HOLDOUT else next(v.get("params", {}) for v in variants if v["name"] == arm)
    return experiment_id, arm, params
