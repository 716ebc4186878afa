"""bigint[] read by numpy from the wire: the same values and shapes psycopg's own loader gives."""

import numpy as np
import pytest

from core.pg_numpy import NO_VALUE, as_float, numpy_cursor


def test_bigint_arrays_of_any_shape_load_as_the_values_sent(conn):
    cur = numpy_cursor(conn.connection.driver_connection)
    flat, square, empty, other, word = cur.execute(
        "SELECT CAST(ARRAY[0, -7, 4611686018427387904, %s] AS bigint[]), "
        "CAST(ARRAY[[1, 2, 3], [4, 5, 6]] AS bigint[]), CAST('{}' AS bigint[]), ARRAY[1, 2], 'x'",
        (NO_VALUE,)).fetchone()
    assert flat.dtype == np.int64 and flat.tolist() == [0, -7, 2**62, NO_VALUE]
    assert square.shape == (2, 3) and square.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert empty.shape == (0,)
    assert other == [1, 2] and word == "x"  # other types load as usual
    assert np.isnan(as_float(flat)).tolist() == [False, False, False, True]
    assert as_float(square)[1, 2] == 6.0


def test_a_null_is_refused_rather_than_misread(conn):
    cur = numpy_cursor(conn.connection.driver_connection)
    with pytest.raises(ValueError, match="NULL"):
        cur.execute("SELECT CAST(ARRAY[1, NULL, 3] AS bigint[])").fetchone()
