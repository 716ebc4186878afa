"""risk decisions: drop the two indexes no query reads

Every grant and every order writes a risk decision, so each index on risk_decision is paid on the
hot path (about 2,800 decisions a second at the room-events benchmark's stress mix). No query reads
risk_decision by reference or by member: the review queue walks the held ones by id
(ix_risk_decision_held) and a review goes from the decision to its grant, and the risk memory and
the training read by id and by time. Measured on a throwaway cluster (COPY of 250-row batches,
50,000 decisions, two rounds): 20.6-21.6 us of backend CPU a decision with both indexes, 15.0-16.0 us
without them. A member's grants, with each one's status, reason and score, are on campaign_grant,
by its member index.

Revision ID: 0022_risk_decision_no_unused_ix
Revises: 0014_decision_held_index
"""

from alembic import op

revision = '0022_risk_decision_no_unused_ix'
down_revision = '0014_decision_held_index'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_risk_decision_reference', table_name='risk_decision')
    op.drop_index('ix_risk_decision_member_id', table_name='risk_decision')


def downgrade() -> None:
    op.create_index('ix_risk_decision_member_id', 'risk_decision', ['member_id'], unique=False)
    op.create_index('ix_risk_decision_reference', 'risk_decision', ['reference'], unique=False)
