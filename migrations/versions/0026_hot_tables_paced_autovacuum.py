"""room events, grants, notifications, ledger: autovacuum's work on them paced over seconds

At 20,000 events/s these tables are analyzed every minute, one after another by one autovacuum worker.
At the default pace (a 2 ms sleep per 200 page visits) that is a second or two of a whole core, which the
intake and the campaign lanes feel as their slowest seconds; at 20 ms per 200 visits the same sampling
takes 3.5-5.8 s on room_event instead of 0.8-1.1 s, a tenth of a core at a time (docs/room-events-
figures.md, twenty-first session). Vacuums of these tables slow down the same way, which they can
afford: room_event's anti-wraparound vacuum is also done off-peak by the storage upkeep, unpaced, and
the others have few dead rows.

Revision ID: 0026_hot_tables_paced_autovacuum
Revises: 0024_hot_tables_fewer_stats
"""

from alembic import op

revision = '0026_hot_tables_paced_autovacuum'
down_revision = '0024_hot_tables_fewer_stats'
branch_labels = None
depends_on = None

TABLES = ("room_event", "campaign_grant", "notification", "journal_entry", "posting", "points_lot")


def upgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} SET (autovacuum_vacuum_cost_delay = 20)")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} RESET (autovacuum_vacuum_cost_delay)")
