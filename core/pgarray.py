"""A Python list as one PostgreSQL array literal, for `CAST(:param AS type[])`.

psycopg adapts a list element by element in Python: in a busy campaign tick, binding the arrays of
set-wise inserts (grants, notifications, ledger rows) took a fifth of the worker's time. One str is
adapted in C; building the literal is a join.
"""

from collections.abc import Iterable


def array_literal(values: Iterable) -> str:
    values = values if isinstance(values, (list, tuple)) else list(values)
    try:  # all text (a batch's entities, references): escaped in one pass over the joined string
        joined = "\0".join(values)
    except TypeError:
        joined = None
    # NUL never occurs in PostgreSQL text, so it marks the boundaries; a value holding one goes the slow way
    if joined is not None and values and joined.count("\0") == len(values) - 1:
        return '{"' + joined.replace("\\", "\\\\").replace('"', '\\"').replace("\0", '","') + '"}'
    return "{" + ",".join(map(_element, values)) + "}"


def _element(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):  # quoted, so commas, braces, spaces and the word NULL stay text
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):  # numpy's float64 too, whose repr is not a number
        return repr(float(value))
    return _element(value.isoformat() if hasattr(value, "isoformat") else str(value))
