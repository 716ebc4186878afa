"""Shared infrastructure: settings, database engine, Temporal client."""
