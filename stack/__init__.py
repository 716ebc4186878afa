"""The embedded local stack: PostgreSQL and Temporal from pip packages, worker and API."""
