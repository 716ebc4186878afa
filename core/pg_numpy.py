"""bigint[] results straight into numpy.

A scoring batch's aggregates arrive as a few arrays of thousands of values each. psycopg's default
loader builds a Python int per value and numpy then copies them again: ~16 ms of a 9,000-entity
batch, with the GIL held. The binary wire format of a NULL-free bigint[] is a fixed stride, so numpy
reads it in place. Queries mark "no value" with NO_VALUE instead of NULL.
"""

import struct

import numpy as np
from psycopg import pq
from psycopg.adapt import Loader
from psycopg.cursor import Cursor
from psycopg.postgres import types

NO_VALUE = -(2**63)  # the smallest bigint: never a count or an epoch-ms time
_ITEM = np.dtype([("size", ">i4"), ("value", ">i8")])  # each element: its byte length, then the value


class Int8ArrayLoader(Loader):
    """Binary bigint[] of any dimensions -> int64 ndarray of that shape."""

    format = pq.Format.BINARY

    def load(self, data) -> np.ndarray:
        dims, has_null, _ = struct.unpack_from(">iiI", data)
        if has_null:
            raise ValueError(f"a NULL in a bigint[] loaded into numpy: the query must mark it as {NO_VALUE}")
        if dims == 0:
            return np.zeros(0, dtype=np.int64)
        shape = struct.unpack_from(f">{2 * dims}i", data, 12)[::2]  # (length, lower bound) per dimension
        items = np.frombuffer(data, _ITEM, offset=12 + 8 * dims)
        return items["value"].astype(np.int64).reshape(shape)


def numpy_cursor(connection) -> Cursor:
    """A binary cursor of the psycopg connection that loads bigint[] as numpy (other types as usual)."""
    cursor = connection.cursor(binary=True)
    cursor.adapters.register_loader(types["int8"].array_oid, Int8ArrayLoader)
    return cursor


def as_float(values: np.ndarray) -> np.ndarray:
    """float64, NO_VALUE -> NaN."""
    out = values.astype(np.float64)
    out[values == NO_VALUE] = np.nan
    return out
