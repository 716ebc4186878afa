"""Campaigns: the spec, the trigger matchers and the evaluator (pure; no I/O)."""
