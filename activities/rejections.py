"""Record bad input in its own transaction (the failed one rolls back), then refuse it."""

import json

from sqlalchemy import text
from temporalio.exceptions import ApplicationError

from core.db import transaction
from domain.errors import BadInput


def record_rejection(*, source: str, reference: str | None, reason: str, payload: dict) -> None:
    with transaction() as conn:
        conn.execute(text("INSERT INTO rejected_input (source, reference, reason, payload) "
                          "VALUES (:s, :r, :why, CAST(:p AS jsonb))"),
                     {"s": source, "r": reference, "why": reason, "p": json.dumps(payload, default=str)})


def refuse(error: BadInput, *, source: str, reference: str | None, payload: dict) -> ApplicationError:
    """Record and turn into a non-retryable activity failure carrying the reason."""
    record_rejection(source=source, reference=reference, reason=str(error), payload=payload)
    return ApplicationError(str(error), type=type(error).__name__, non_retryable=True)
