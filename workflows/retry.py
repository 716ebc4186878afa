"""Activity options shared by the workflows: durable retries, bad input never retried."""

from datetime import timedelta

from temporalio.common import RetryPolicy

# Keeps retrying through a database or worker outage; BadInput fails at once.
DURABLE = RetryPolicy(initial_interval=timedelta(milliseconds=200), backoff_coefficient=2.0,
                      maximum_interval=timedelta(seconds=30),
                      non_retryable_error_types=["BadInput", "InsufficientPoints"])

# Short DB transactions: a worker that dies mid-activity is noticed after 10 s, then retried elsewhere.
DB_ACTIVITY = {"start_to_close_timeout": timedelta(seconds=10), "retry_policy": DURABLE}
