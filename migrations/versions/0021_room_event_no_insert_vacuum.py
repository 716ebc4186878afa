"""room events: no autovacuum triggered by inserts alone

room_event is append-only. Since PostgreSQL 13, autovacuum also vacuums a table after inserts alone
(1,000 rows plus 20 % of the table): at 20,000 events/s that is every few seconds to minutes, each
pass scanning the new pages and the indexes. Measured with bench.room_events (60 s at 20,000
events/s, the issue's example rule): with those passes, the ticks' time per event doubled from the
first pass on and the p99 delay went from ~0.5 s to 2-3 s; without them, p99 0.60 s with
autoanalyze and every other table's autovacuum running as before. The passes only set visibility
bits early (no query here needs index-only scans on room_event) and freeze rows ahead of time:
PostgreSQL's anti-wraparound vacuum still comes, and an off-peak `VACUUM room_event` does the
same work when the shop is quiet (docs/room-events-figures.md, "Figures on 3 Dec 2026, fifteenth session").

Revision ID: 0021_room_event_no_insert_vacuum
Revises: 0020_room_event_time_brin
"""

from alembic import op

revision = '0021_room_event_no_insert_vacuum'
down_revision = '0020_room_event_time_brin'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE room_event SET (autovacuum_vacuum_insert_threshold = -1)")


def downgrade() -> None:
    op.execute("ALTER TABLE room_event RESET (autovacuum_vacuum_insert_threshold)")
