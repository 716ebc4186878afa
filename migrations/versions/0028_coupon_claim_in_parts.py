"""coupon_claim() in two parts, so a batch takes its stock once per template
(0028_coupon_claim_in_parts.sql says why)

Revision ID: 0028_coupon_claim_in_parts
Revises: 0008
"""

from pathlib import Path

from alembic import op

revision = '0028_coupon_claim_in_parts'
down_revision = '0008'
branch_labels = None
depends_on = None

_SQL = Path(__file__).with_name("0028_coupon_claim_in_parts.sql")
_BEFORE = Path(__file__).with_name("0008_coupon_claim.sql")


def upgrade() -> None:
    op.execute(_SQL.read_text())


def downgrade() -> None:
    op.execute(_BEFORE.read_text())  # coupon_claim() whole again
    op.execute("DROP FUNCTION coupon_claim_undo(text[])")
    op.execute("DROP FUNCTION coupon_stock_take(text, bigint, bigint)")
    op.execute("DROP FUNCTION coupon_stock_units(bigint, bigint, bigint, bigint)")
    op.execute("DROP FUNCTION coupon_stock_use(text, integer, bigint, bigint)")
    op.execute("DROP FUNCTION coupon_claim_row(text, text, text, text, text, timestamptz, timestamptz, text)")
