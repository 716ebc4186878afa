"""room events: the member index holds only each member's first event per room and quarter-hour

`ix_room_event_member_time` took a random btree insert for every event, heartbeats included. On a
throwaway cluster, a realistic session's 1.47 M events in 2,000-row COPY batches cost 14.2-17.9 us of
backend CPU an event with it, 8.0-10.6 us without it and 10.2-10.6 us with this partial one. Its
readers (the newcomer check, the risk memory's first-seen, report viewers) only need each member's first
event in a room per quarter-hour by id and its earliest by time: intake marks those
(domain/quarter_marks.py) and the index is partial on the mark. Existing rows and rows from other
writers default to marked, which answers the same.

Revision ID: 0023_room_event_member_marks
Revises: 0021_room_event_no_insert_vacuum
"""

import sqlalchemy as sa
from alembic import op

revision = '0023_room_event_member_marks'
down_revision = '0021_room_event_no_insert_vacuum'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('room_event', sa.Column('first_in_quarter', sa.Boolean(), nullable=False,
                                          server_default=sa.text('true')))
    op.drop_index('ix_room_event_member_time', table_name='room_event')
    op.create_index('ix_room_event_member_time', 'room_event', ['member_id', 'occurred_at'],
                    postgresql_where=sa.text('first_in_quarter'))


def downgrade() -> None:
    op.drop_index('ix_room_event_member_time', table_name='room_event')
    op.create_index('ix_room_event_member_time', 'room_event', ['member_id', 'occurred_at'])
    op.drop_column('room_event', 'first_in_quarter')
