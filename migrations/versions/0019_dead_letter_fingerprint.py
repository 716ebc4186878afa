"""room event dead letters: each refusal kept once

A re-posted batch must change nothing, yet each post of a batch holding a refused event added its
dead-letter row again. Each row now carries a fingerprint (sha256 of event id, reason and item),
unique per room; intake inserts with ON CONFLICT DO NOTHING. Rows from before have none (NULLs
never conflict), so nothing old is rewritten.

Revision ID: 0019_dead_letter_fingerprint
Revises: 0018_lottery_draw_source
"""

import sqlalchemy as sa
from alembic import op

revision = '0019_dead_letter_fingerprint'
down_revision = '0018_lottery_draw_source'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('room_event_dead_letter', sa.Column('fingerprint', sa.String()))
    op.create_index('uq_room_event_dead_letter_fingerprint', 'room_event_dead_letter', ['room_id', 'fingerprint'],
                    unique=True)


def downgrade() -> None:
    op.drop_index('uq_room_event_dead_letter_fingerprint', table_name='room_event_dead_letter')
    op.drop_column('room_event_dead_letter', 'fingerprint')
