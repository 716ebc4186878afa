"""campaign snapshots: the rooms' trigger state in a table of its own, written off the tick's path

The snapshot (every viewer seen, ~6 MB of JSON per room of 40,000 viewers) was written in the tick's
transaction on the cursor row: each room's write took 0.2-0.4 s inside the tick, all rooms fell due
in the same tick, and in the room-events benchmark that tick took ~1.5 s longer every 30 s (the p99
of the grants' delay followed). A background writer now stores it here; the cursor row, which the
tick locks, is no longer touched by it.

Revision ID: 0015_campaign_snapshot_table
Revises: 0007 (the campaign branch)
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0015_campaign_snapshot_table'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'campaign_snapshot',
        sa.Column('campaign_id', sa.String(), nullable=False),
        sa.Column('room_id', sa.String(), nullable=False),
        sa.Column('event_id', sa.BigInteger(), nullable=False),
        sa.Column('state', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('taken_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('campaign_id', 'room_id'))
    op.execute("INSERT INTO campaign_snapshot (campaign_id, room_id, event_id, state) "
               "SELECT campaign_id, room_id, snapshot_event_id, state FROM campaign_cursor WHERE snapshot_event_id > 0")
    op.drop_column('campaign_cursor', 'state')
    op.drop_column('campaign_cursor', 'snapshot_event_id')


def downgrade() -> None:
    op.add_column('campaign_cursor', sa.Column('snapshot_event_id', sa.BigInteger(), server_default='0', nullable=False))
    op.add_column('campaign_cursor', sa.Column('state', postgresql.JSONB(astext_type=sa.Text()),
                                               server_default=sa.text("'{}'"), nullable=False))
    op.execute("UPDATE campaign_cursor c SET state = s.state, snapshot_event_id = s.event_id FROM campaign_snapshot s "
               "WHERE s.campaign_id = c.campaign_id AND s.room_id = c.room_id")
    op.drop_table('campaign_snapshot')
