"""risk decisions: the review queue's index holds the held decisions only

Every scored grant writes a risk_decision row, nearly all of them allowed; the (status, id) index
was read only for status = 'held' (the review queue, oldest first). A partial index on id for held
rows serves that query and costs the other rows nothing: COPY of a 5,000-decision batch 33-36 ->
25-27 ms.

Revision ID: 0014_decision_held_index
Revises: 0013_bucket_covering_key
"""

from alembic import op
import sqlalchemy as sa

revision = '0014_decision_held_index'
down_revision = '0013_bucket_covering_key'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_risk_decision_held', 'risk_decision', ['id'], postgresql_where=sa.text("status = 'held'"))
    op.drop_index('ix_risk_decision_status', table_name='risk_decision')


def downgrade() -> None:
    op.create_index('ix_risk_decision_status', 'risk_decision', ['status', 'id'])
    op.drop_index('ix_risk_decision_held', table_name='risk_decision')
