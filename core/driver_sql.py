"""SQLAlchemy-style `:name` parameters as the driver's `%(name)s`, for the few hot statements sent
straight through psycopg (prepared, binary, pipelined), where SQLAlchemy's own handling of a call
costs more than a small query's execution."""

import re

_NAMED = re.compile(r"(?<![:\w]):([a-z_]\w*)")  # :name, not an array slice [1:4] or a ::type cast


def pyformat(sql: str) -> str:
    return _NAMED.sub(r"%(\1)s", sql)
