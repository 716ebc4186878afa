"""lottery draws: the room and the event that drew them

An operator re-verifying a draw wants each winner's grant beside it. Grants name their source event
(campaign_grant.source_event_id); the draw now does too, so the two join exactly, even when one rule
draws more than once (a recurring campaign, several rooms). Draws made before this have neither.

Revision ID: 0018_lottery_draw_source
Revises: 0017_snapshot_compressed
"""

import sqlalchemy as sa
from alembic import op

revision = '0018_lottery_draw_source'
down_revision = '0017_snapshot_compressed'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('lottery_draw', sa.Column('room_id', sa.String(), nullable=False, server_default=''))
    op.add_column('lottery_draw', sa.Column('source_event_id', sa.BigInteger()))
    op.create_index('ix_lottery_draw_campaign_id', 'lottery_draw', ['campaign_id'])


def downgrade() -> None:
    op.drop_index('ix_lottery_draw_campaign_id', table_name='lottery_draw')
    op.drop_column('lottery_draw', 'source_event_id')
    op.drop_column('lottery_draw', 'room_id')
