"""campaign cursor: trigger state as a periodic snapshot (workers keep it in memory between ticks)

Revision ID: 0007
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('campaign_cursor', sa.Column('snapshot_event_id', sa.BigInteger(), server_default='0', nullable=False))
    op.add_column('campaign_cursor', sa.Column('events', sa.BigInteger(), server_default='0', nullable=False))
    # existing rows saved their state with every tick: the snapshot is as new as the cursor
    op.execute("UPDATE campaign_cursor SET snapshot_event_id = last_event_id, "
               "events = coalesce((state->>'events')::bigint, 0)")


def downgrade() -> None:
    op.drop_column('campaign_cursor', 'events')
    op.drop_column('campaign_cursor', 'snapshot_event_id')
