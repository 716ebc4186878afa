"""risk presence: the last 5-minute grain each (member, device, IP, room) was seen in

The fold derives the nine entity pairs of a room event (device -> member, member -> room, ...)
from this one row: when a viewer's heartbeat is in a grain already recorded here, all nine pairs
are already as recent, so the fold probes one key per viewer instead of nine (766,000 pair probes
for 200,000 heartbeat-heavy events before). Derived data, like the other aggregates: an empty
table only means the next fold rewrites pairs it did not need to.

Revision ID: 0011_presence
Revises: 0010
"""

from alembic import op
import sqlalchemy as sa

revision = '0011_presence'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('risk_agg_presence',
                    sa.Column('member', sa.Text(), nullable=False),
                    sa.Column('device', sa.Text(), nullable=False),
                    sa.Column('ip', sa.Text(), nullable=False),
                    sa.Column('room', sa.Text(), nullable=False),
                    sa.Column('grain_ms', sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint('member', 'device', 'ip', 'room'),
                    postgresql_with={"fillfactor": 60})


def downgrade() -> None:
    op.drop_table('risk_agg_presence')
