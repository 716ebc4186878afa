"""Notifications become visible in id order, so a member app's cursor (id > last seen) never skips one."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from activities.notify import Note, notify_many
from core.db import get_engine, transaction
from queries.notifications import after
from tests.conftest import unique

pytestmark = pytest.mark.usefixtures("database_url")


def _note(member: str) -> Note:
    return Note(member, "points", "+1 point", "+1 point", {}, unique("note"))


_LAST_ID = text("SELECT pg_sequence_last_value(CAST(pg_get_serial_sequence('notification', 'id') AS regclass))")


def test_a_second_writer_waits_for_the_first_to_commit_so_ids_follow_commits():
    member = unique("m")
    first = get_engine().connect()
    first.begin()
    notify_many(first, [_note(member)])  # id taken, not committed
    try:
        last_id = first.execute(_LAST_ID).scalar_one()
        with pytest.raises(OperationalError, match="lock timeout"), transaction() as second:
            second.execute(text("SET LOCAL lock_timeout = '300ms'"))
            notify_many(second, [_note(member)])  # would take a later id and could commit first
        assert first.execute(_LAST_ID).scalar_one() == last_id  # the waiting writer drew no id
        with get_engine().connect() as reader:
            assert after(reader, member).items == []
        first.commit()
    finally:
        first.close()
    with transaction() as conn:
        notify_many(conn, [_note(member)])
    with transaction() as conn:
        page = after(conn, member)
        assert len(page.items) == 2 and page.items[0].id < page.items[1].id
        assert after(conn, member, after_id=page.items[0].id).items == page.items[1:]
