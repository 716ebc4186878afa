"""The parallel build (a second connection in the same exported snapshot, each taking a slice of the members)
gives exactly the figures of the serial one, on committed data."""

import random
from datetime import date

import pytest

from core.db import transaction
from core.settings import get_settings
from domain.report_period import week_of
from reports.gather import gather
from reports.members import member_counts
from tests.reports.known_week import TZ, add_coupons, seed


@pytest.fixture(scope="module")
def committed_week(database_url):
    # Committed, so it lies after every rolled-back test week (2001-2015): their "outstanding" stays their own.
    p = week_of(date(random.randint(2016, 2020), 8, 10), TZ)
    with transaction() as conn:
        m = seed(conn, p.first)
        add_coupons(conn, m, p.first)
    return p, m


@pytest.mark.parametrize("how", ["auto", "no split", "split between members"])
def test_parallel_and_serial_builds_agree(committed_week, how):
    p, m = committed_week
    split = {"auto": "auto", "no split": None, "split between members": sorted(m.values())[3]}[how]
    with transaction() as conn:
        serial = gather(conn, p, get_settings())
        parallel = gather(conn, p, get_settings(), parallel=True, split=split)
    assert parallel["headline"] == serial["headline"]
    assert parallel["sections"] == serial["sections"]
    assert parallel["previous"] == serial["previous"]
    assert serial["headline"]["points_issued"] == 210


def test_the_member_slices_partition_the_members(committed_week):
    p, m = committed_week
    split = sorted(m.values())[3]
    with transaction() as conn:
        low = member_counts(conn, p, get_settings(), (None, split))["buyers"]
        high = member_counts(conn, p, get_settings(), (split, None))["buyers"]
        every = member_counts(conn, p, get_settings())["buyers"]
    assert low["viewers"] > 0 and high["viewers"] > 0
    assert low["viewers"] + high["viewers"] == every["viewers"]
    assert low["gmv"] + high["gmv"] == every["gmv"]
