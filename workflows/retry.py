"""Activity options shared by the workflows: durable retries, bad input never retried."""

from datetime import timedelta

from temporalio.common import RetryPolicy

# Keeps retrying through a database or worker outage; BadInput fails at once.
DURABLE = RetryPolicy(initial_interval=timedelta(milliseconds=200), backoff_coefficient=2.0,
                      maximum_interval=timedelta(seconds=30),
                      non_retryable_error_types=["BadInput", "InsufficientPoints"])

# Short DB transactions: a worker that dies mid-activity is noticed after 10 s, then retried elsewhere.
DB_ACTIVITY = {"start_to_close_timeout": timedelta(seconds=10), "retry_policy": DURABLE}

# A campaign tick heartbeats after each room: a dead worker is noticed after 15 s, while a
# tick that is slow but alive (a big backlog, a slow risk scorer) may take up to a minute.
TICK_ACTIVITY = {"start_to_close_timeout": timedelta(seconds=60), "heartbeat_timeout": timedelta(seconds=15),
                 "retry_policy": DURABLE}
