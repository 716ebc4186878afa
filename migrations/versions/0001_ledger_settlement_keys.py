"""ledger settlement keys

Revision ID: 0001
Revises: 
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_key',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('member_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('secret_sha256', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_api_key_key_id'), 'api_key', ['key_id'], unique=True)
    op.create_table('journal_entry',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('member_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    op.create_index(op.f('ix_journal_entry_member_id'), 'journal_entry', ['member_id'], unique=False)
    op.create_table('member_balance',
    sa.Column('member_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pending', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('available', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('spent', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('expired', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('reversed', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('member_id')
    )
    op.create_table('order_coupon',
    sa.Column('order_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('order_id', 'code')
    )
    op.create_table('order_refund',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('order_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('refund_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('units', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('points_reversed', sa.BigInteger(), nullable=False),
    sa.Column('points_forgiven', sa.Integer(), server_default='0', nullable=False),
    sa.Column('after_confirmation', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('order_id', 'refund_id', name='uq_order_refund')
    )
    op.create_index(op.f('ix_order_refund_order_id'), 'order_refund', ['order_id'], unique=False)
    op.create_table('points_multiplier',
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('multiplier', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("scope IN ('category', 'sku', 'room')", name='multiplier_scope'),
    sa.CheckConstraint('multiplier > 0 AND multiplier <= 100', name='multiplier_range'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('rejected_input',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_rejected_input_reference'), 'rejected_input', ['reference'], unique=False)
    op.create_table('risk_block',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_risk_block_value'), 'risk_block', ['value'], unique=False)
    op.create_table('settlement',
    sa.Column('order_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('member_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('room_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('goods_paid_fen', sa.BigInteger(), nullable=False),
    sa.Column('refunded_fen', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('points_earned', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('points_reversed', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('risk_decision', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('risk_score', sa.Float(), nullable=False),
    sa.Column('risk_reasons', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'"), nullable=False),
    sa.Column('refunded_units', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('rules', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('order_json', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirm_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('order_id')
    )
    op.create_index(op.f('ix_settlement_member_id'), 'settlement', ['member_id'], unique=False)
    op.create_table('points_lot',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('member_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entry_id', sa.BigInteger(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('remaining', sa.BigInteger(), nullable=False),
    sa.Column('earned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('remaining >= 0 AND remaining <= amount', name='lot_remaining_in_range'),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entry.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_lot_due', 'points_lot', ['expires_at'], unique=False, postgresql_where=sa.text('remaining > 0'))
    op.create_index('ix_lot_open', 'points_lot', ['member_id', 'expires_at'], unique=False, postgresql_where=sa.text('remaining > 0'))
    op.create_table('posting',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('entry_id', sa.BigInteger(), nullable=False),
    sa.Column('member_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('bucket', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount <> 0', name='posting_amount_nonzero'),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entry.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_posting_entry_id'), 'posting', ['entry_id'], unique=False)
    op.create_index('ix_posting_member_bucket', 'posting', ['member_id', 'bucket'], unique=False)


    # The ledger is append-only: corrections are new, reversing entries.
    op.execute("""
        CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'ledger is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME;
        END $$;
        CREATE TRIGGER journal_entry_append_only BEFORE UPDATE OR DELETE ON journal_entry
            FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
        CREATE TRIGGER posting_append_only BEFORE UPDATE OR DELETE ON posting
            FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
    """)


def downgrade() -> None:
    op.execute("DROP TRIGGER posting_append_only ON posting; DROP TRIGGER journal_entry_append_only ON journal_entry;"
               " DROP FUNCTION ledger_append_only();")
    op.drop_index('ix_posting_member_bucket', table_name='posting')
    op.drop_index(op.f('ix_posting_entry_id'), table_name='posting')
    op.drop_table('posting')
    op.drop_index('ix_lot_open', table_name='points_lot', postgresql_where=sa.text('remaining > 0'))
    op.drop_index('ix_lot_due', table_name='points_lot', postgresql_where=sa.text('remaining > 0'))
    op.drop_table('points_lot')
    op.drop_index(op.f('ix_settlement_member_id'), table_name='settlement')
    op.drop_table('settlement')
    op.drop_index(op.f('ix_risk_block_value'), table_name='risk_block')
    op.drop_table('risk_block')
    op.drop_index(op.f('ix_rejected_input_reference'), table_name='rejected_input')
    op.drop_table('rejected_input')
    op.drop_table('points_multiplier')
    op.drop_index(op.f('ix_order_refund_order_id'), table_name='order_refund')
    op.drop_table('order_refund')
    op.drop_table('order_coupon')
    op.drop_table('member_balance')
    op.drop_index(op.f('ix_journal_entry_member_id'), table_name='journal_entry')
    op.drop_table('journal_entry')
    op.drop_index(op.f('ix_api_key_key_id'), table_name='api_key')
    op.drop_table('api_key')
