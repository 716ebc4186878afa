"""room events, grants, notifications, journal entries: no statistics on the columns no query filters

At 20,000 events/s these tables grow by more than a tenth each minute, so autoanalyze samples every
one of them every minute (30,000 rows each), in one burst of a second or more of CPU that the intake
and the campaign lanes feel as their slowest seconds. Most of that CPU went to sorting columns that
no query filters, joins or groups by: JSON payloads, texts, device and IP strings, unique keys
(the planner takes a unique index's column as distinct without statistics). With their statistics
target at 0, ANALYZE skips them: at the room-events benchmark's example rule the minute's autoanalyze
of the hot tables took 0.58-1.04 s of CPU instead of 1.24-1.55 s, on hours of a similar machine speed
(docs/room-events-figures.md, twenty-first session). Every column a query filters, joins, orders or
groups by keeps its statistics (tests/models/test_statistics_targets.py lists them).

Revision ID: 0024_hot_tables_fewer_stats
Revises: 0023_room_event_member_marks
"""

from alembic import op

revision = '0024_hot_tables_fewer_stats'
down_revision = '0023_room_event_member_marks'
branch_labels = None
depends_on = None

UNFILTERED = {
    "room_event": ("event_id", "device_id", "ip", "received_at", "payload"),
    "campaign_grant": ("idempotency_key", "coupon_template_id", "reason", "risk_score", "device_id", "ip", "detail",
                       "decided_at"),
    "notification": ("idempotency_key", "title", "body", "data"),
    "journal_entry": ("idempotency_key", "reference", "detail"),
}


def _set_statistics(target: int) -> None:
    for table, columns in UNFILTERED.items():
        op.execute(f"ALTER TABLE {table} " + ", ".join(f"ALTER COLUMN {c} SET STATISTICS {target}" for c in columns))


def upgrade() -> None:
    _set_statistics(0)


def downgrade() -> None:
    _set_statistics(-1)
