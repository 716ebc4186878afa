"""The parallel build (ledger pass on a second connection in the same exported snapshot) gives exactly the
figures of the serial one, on committed data."""

import random
from datetime import date

from core.db import transaction
from core.settings import get_settings
from domain.report_period import week_of
from reports.gather import gather
from tests.reports.known_week import TZ, seed


def test_parallel_and_serial_builds_agree(database_url):
    # Committed, so it lies after every rolled-back test week (2001-2015): their "outstanding" stays their own.
    p = week_of(date(random.randint(2016, 2020), 8, 10), TZ)
    with transaction() as conn:
        seed(conn, p.first)
    with transaction() as conn:
        serial = gather(conn, p, get_settings())
        parallel = gather(conn, p, get_settings(), parallel=True)
    assert parallel["headline"] == serial["headline"]
    assert parallel["sections"]["points"] == serial["sections"]["points"]
    assert serial["headline"]["points_issued"] == 210
