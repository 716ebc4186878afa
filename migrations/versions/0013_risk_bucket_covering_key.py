"""risk buckets: the counts ride in the primary key's index (index-only reads of merged hours)

Since buckets of closed hours are merged into hourly rows that never change again
(activities/risk_compact.py), a day of an entity's buckets is mostly on all-visible pages once
vacuumed, and the serving read can take the counts from the index without visiting the table: a
5,000-grant batch of entities with a day of history, 475 -> 237 ms. The price is that the fold's
updates of the current bucket are no longer HOT (+7 % fold time for a burst of new viewers, no
measurable change for viewers already seen).

Revision ID: 0013_bucket_covering_key
Revises: 0012_action_times
"""

from alembic import op

revision = '0013_bucket_covering_key'
down_revision = '0012_action_times'
branch_labels = None
depends_on = None

_KEY = "ALTER TABLE risk_agg_bucket DROP CONSTRAINT risk_agg_bucket_pkey, ADD CONSTRAINT risk_agg_bucket_pkey {}"


def upgrade() -> None:
    op.execute(_KEY.format("PRIMARY KEY (kind, entity, bucket) "
                           "INCLUDE (events, churn, heartbeats, comments, orders, grants)"))


def downgrade() -> None:
    op.execute(_KEY.format("PRIMARY KEY (kind, entity, bucket)"))
