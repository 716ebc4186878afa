"""Temporal workflows: deterministic, no I/O, no DB or ML imports."""
