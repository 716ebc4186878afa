"""ensure_multipliers locks only to change the rows: parallel room ticks of one campaign (which all call it)
do not queue behind each other, and two changes still go one at a time."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from activities.multipliers import ensure_multipliers
from core.db import get_engine
from domain.campaigns.spec import CampaignSpec
from tests.campaigns.helpers import new_room, spec

pytestmark = pytest.mark.usefixtures("database_url")


def _spec(room: str, multiplier: float, cid: str | None = None) -> CampaignSpec:
    body = spec(room, [{"id": "x", "trigger": {"type": "order_paid"}, "reward": {"multiplier": multiplier}}])
    return CampaignSpec.model_validate({**body, "id": cid or body["id"]})


def _in_open_transaction(multiplier_spec: CampaignSpec):
    conn = get_engine().connect()
    conn.begin()
    ensure_multipliers(conn, multiplier_spec)
    return conn


def _second_caller_waits(multiplier_spec: CampaignSpec) -> bool:
    with get_engine().connect() as conn, conn.begin():
        conn.execute(text("SET LOCAL lock_timeout = '300ms'"))
        try:
            ensure_multipliers(conn, multiplier_spec)
        except OperationalError:
            return True
        return False


def test_rows_already_right_take_no_lock_and_a_change_does():
    room = new_room()
    first = _spec(room, 2)
    with get_engine().begin() as conn:
        ensure_multipliers(conn, first)
    holder = _in_open_transaction(first)  # nothing to change: no lock held
    try:
        assert not _second_caller_waits(first)
    finally:
        holder.rollback()
        holder.close()
    changing = _spec(room, 3, cid=first.id)
    holder = _in_open_transaction(changing)  # rewrites the rows: holds the campaign's lock until it ends
    try:
        assert _second_caller_waits(changing)
    finally:
        holder.rollback()
        holder.close()
