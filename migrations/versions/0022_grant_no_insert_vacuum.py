"""grant tables: no autovacuum triggered by inserts alone

Every campaign grant appends to six tables (campaign_grant, risk_decision, notification, and the
ledger's journal_entry, posting and points_lot), rows that are later updated rarely if at all.
At the benchmark's stress mix (2,400 grants/s) each of them crossed its insert threshold (1,000 rows
plus 20 % of the table) on every autovacuum round, once a minute: the rounds took 4-8 s each, and the
p99 delay per 10 s rose above 1 s in the windows that held them (docs/campaigns.md, "Figures on
3 Dec 2026, sixteenth session"). As for room_event (0021): updates and deletes still start vacuum
passes as before, autoanalyze stays on, and the off-peak storage upkeep (StorageUpkeepWorkflow)
vacuums these tables daily, which the inserts' passes would otherwise have done.

Revision ID: 0022_grant_no_insert_vacuum
Revises: 0021_room_event_no_insert_vacuum (and depends on the risk branch's 0014)
"""

from alembic import op

revision = '0022_grant_no_insert_vacuum'
down_revision = '0021_room_event_no_insert_vacuum'
branch_labels = None
depends_on = ('0014_decision_held_index',)  # risk_decision's branch: its table and indexes first

TABLES = ("campaign_grant", "risk_decision", "notification", "journal_entry", "posting", "points_lot")


def upgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} SET (autovacuum_vacuum_insert_threshold = -1)")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} RESET (autovacuum_vacuum_insert_threshold)")
