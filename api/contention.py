"""Contention the database gave up on: a deadlock victim, a serialization failure, or stock shards
busy for seconds (coupon_claim raises 55P03). Nothing was written and every write here is
idempotent, so the API answers 503 with Retry-After and the client repeats the same request."""

RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
BUSY_STATUS = 503
BUSY_DETAIL = "busy, nothing was written; retry with the same idempotency key"
RETRY_AFTER_S = "1"
