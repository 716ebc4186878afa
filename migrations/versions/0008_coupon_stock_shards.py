"""coupon stock shards and the one-statement claim

A template's stock and budget move from two counters on its row (one hot row: every claim
queued behind the previous claim's commit) to a few shard rows claimed with SKIP LOCKED, and
issuing becomes one SQL function, coupon_claim(), so a claim is one round trip.

Revision ID: 0008
Revises: 0003
"""

from pathlib import Path

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0008'
down_revision = '0003'
branch_labels = None
depends_on = None

_SQL = Path(__file__).with_name("0008_coupon_claim.sql")


def upgrade() -> None:
    op.create_table('coupon_stock_shard',
    sa.Column('template_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('shard', sa.Integer(), nullable=False),
    sa.Column('issued', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('used_fen', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('stock_left', sa.BigInteger(), nullable=True),
    sa.Column('budget_left_fen', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('template_id', 'shard')
    )
    op.execute(_SQL.read_text())
    # Existing templates: their counts go to shard 0, what is left is spread over 16 shards.
    op.execute("INSERT INTO coupon_stock_shard (template_id, shard, issued, used_fen) "
               "SELECT id, 0, issued_count, budget_used_fen FROM coupon_template")
    op.execute("SELECT coupon_stock_rebalance(id, 16) FROM coupon_template")
    op.drop_column('coupon_template', 'issued_count')
    op.drop_column('coupon_template', 'budget_used_fen')


def downgrade() -> None:
    op.add_column('coupon_template', sa.Column('budget_used_fen', sa.BigInteger(), server_default='0', nullable=False))
    op.add_column('coupon_template', sa.Column('issued_count', sa.BigInteger(), server_default='0', nullable=False))
    op.execute("UPDATE coupon_template t SET issued_count = s.issued, budget_used_fen = s.used_fen "
               "FROM (SELECT template_id, sum(issued) AS issued, sum(used_fen) AS used_fen FROM coupon_stock_shard "
               "GROUP BY template_id) s WHERE s.template_id = t.id")
    op.execute("DROP FUNCTION coupon_claim(text, text, text, text, text, timestamptz, timestamptz, text)")
    op.execute("DROP FUNCTION coupon_stock_rebalance(text, integer)")
    op.execute("DROP FUNCTION coupon_stock_spread(text, bigint, bigint, bigint)")
    op.execute("DROP FUNCTION coupon_stock_state(text, bigint)")
    op.drop_table('coupon_stock_shard')
