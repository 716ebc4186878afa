"""member balances: pages 70 % full, so a grant's balance update stays on its page

Every points grant updates its member's balance row. In full pages each update wrote the new row
version elsewhere and a new entry into the primary key's index; with room on the page the update is
HOT (no index write). Campaign ticks update thousands of balances per batch.

Revision ID: 0016_member_balance_hot
Revises: 0015_campaign_snapshot_table
"""

from alembic import op

revision = '0016_member_balance_hot'
down_revision = '0015_campaign_snapshot_table'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE member_balance SET (fillfactor = 70)")


def downgrade() -> None:
    op.execute("ALTER TABLE member_balance RESET (fillfactor)")
