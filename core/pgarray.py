"""A Python list as one PostgreSQL array literal, for `CAST(:param AS type[])`.

psycopg adapts a list element by element in Python: in a busy campaign tick, binding the arrays of
set-wise inserts (grants, notifications, ledger rows) took a fifth of the worker's time. One str is
adapted in C; building the literal is a join.
"""

from collections.abc import Iterable


def array_literal(values: Iterable) -> str:
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
