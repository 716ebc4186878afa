"""risk decisions: autovacuum's work on them paced over seconds, as for the other hot tables
(0026_hot_tables_paced_autovacuum)

Revision ID: 0027_risk_decision_paced_autovac
Revises: 0025_risk_decision_fewer_stats
"""

from alembic import op

revision = '0027_risk_decision_paced_autovac'
down_revision = '0025_risk_decision_fewer_stats'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE risk_decision SET (autovacuum_vacuum_cost_delay = 20)")


def downgrade() -> None:
    op.execute("ALTER TABLE risk_decision RESET (autovacuum_vacuum_cost_delay)")
