"""Benchmarks, run by hand: python -m bench.NAME. Each ends with one line of JSON."""
