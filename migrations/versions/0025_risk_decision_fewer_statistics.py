"""risk decisions: no statistics on the columns no query filters

Every grant and every order writes a risk decision, so at the room-events benchmark's rates
risk_decision is analyzed every minute too (see 0024_hot_tables_fewer_stats). Its queries filter by
id, status, decision, kind and time, and read member and room; the verdict's details (reasons, top
features, thresholds, score, model version), the reference, device, IP and review fields are read
only with their row.

Revision ID: 0025_risk_decision_fewer_stats
Revises: 0022_risk_decision_no_unused_ix
"""

from alembic import op

revision = '0025_risk_decision_fewer_stats'
down_revision = '0022_risk_decision_no_unused_ix'
branch_labels = None
depends_on = None

UNFILTERED = ("reference", "device_id", "ip", "score", "model_version", "hold_above", "deny_above", "reasons",
              "top_features", "reviewed_by", "reviewed_at")


def _set_statistics(target: int) -> None:
    columns = ", ".join(f"ALTER COLUMN {c} SET STATISTICS {target}" for c in UNFILTERED)
    op.execute(f"ALTER TABLE risk_decision {columns}")


def upgrade() -> None:
    _set_statistics(0)


def downgrade() -> None:
    _set_statistics(-1)
