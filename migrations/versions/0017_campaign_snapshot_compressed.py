"""campaign snapshots: zlib-compressed JSON in bytea instead of jsonb

A room's snapshot (~7 MB of JSON at 50,000 viewers) took PostgreSQL 0.43-0.50 s of CPU to parse into
jsonb and compress for TOAST, four rooms at once every 30 s: in the room-events benchmark the lanes
fell behind for a few seconds each time. The worker's writer thread now compresses it (zlib level 1,
~80 ms, outside the interpreter lock; 1.1 MB) and the server stores the bytes as they are (12 ms).
Nothing reads a snapshot but the rebuild, which needs the whole state anyway.

Revision ID: 0017_snapshot_compressed
Revises: 0016_member_balance_hot
"""

import zlib

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0017_snapshot_compressed'
down_revision = '0016_member_balance_hot'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('campaign_snapshot', sa.Column('state_z', sa.LargeBinary()))
    conn = op.get_bind()
    for campaign_id, room_id, state in conn.execute(sa.text(
            "SELECT campaign_id, room_id, state::text FROM campaign_snapshot")).all():
        conn.execute(sa.text("UPDATE campaign_snapshot SET state_z = :z WHERE campaign_id = :c AND room_id = :r"),
                     {"z": zlib.compress(state.encode(), 1), "c": campaign_id, "r": room_id})
    op.drop_column('campaign_snapshot', 'state')
    op.alter_column('campaign_snapshot', 'state_z', new_column_name='state', nullable=False)
    op.execute("ALTER TABLE campaign_snapshot ALTER COLUMN state SET STORAGE EXTERNAL")  # compressed already


def downgrade() -> None:
    op.add_column('campaign_snapshot', sa.Column('state_json', postgresql.JSONB()))
    conn = op.get_bind()
    for campaign_id, room_id, state in conn.execute(sa.text(
            "SELECT campaign_id, room_id, state FROM campaign_snapshot")).all():
        conn.execute(sa.text("UPDATE campaign_snapshot SET state_json = CAST(:s AS jsonb) "
                             "WHERE campaign_id = :c AND room_id = :r"),
                     {"s": zlib.decompress(state).decode(), "c": campaign_id, "r": room_id})
    op.drop_column('campaign_snapshot', 'state')
    op.alter_column('campaign_snapshot', 'state_json', new_column_name='state', nullable=False)
