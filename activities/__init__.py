"""Temporal activities and the write helpers they share: the only code that writes to Postgres."""
