"""risk aggregates: an entity keeps its last action times only, not its last event times

The gap features now run from an entity's last action (any room event but a player heartbeat),
as regularity already did: a watcher's heartbeat gap is the client's clock and says nothing. The
fold then leaves heartbeats out of risk_agg_entity (half of all events), except a member's first
ones, for its first-seen time. recent_all (the last 4 event times) is no longer read.

Revision ID: 0012_action_times
Revises: 0011_presence
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0012_action_times'
down_revision = '0011_presence'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_column('risk_agg_entity', 'recent_all')


def downgrade() -> None:
    op.add_column('risk_agg_entity', sa.Column('recent_all', postgresql.ARRAY(sa.BigInteger()), server_default='{}',
                                               nullable=False))
