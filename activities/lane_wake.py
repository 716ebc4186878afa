"""Wake a campaign lane waiting on its timer as soon as its room gets events.

Why: a lane whose room went quiet hands back to the workflow, which waits out a timer (a second,
fired by the server on whole seconds: 1-2 s) before ticking again, so a quiet room's first event
waited for it. Once a batch with new events has committed, intake NOTIFYs `room_events` with the room
id (activities/intake.py, store_batch); each worker LISTENs and, for a room whose lane this process
handed back to its timer, signals the workflow `wake` with the room: that lane ticks at once. Only
lanes handed back here are woken, once each, so a busy room costs no signals. A lane lingering in a
quiet room (activities/campaign_lane.py) waits on a flag the same notification sets, instead of
polling the database. A notification missed (a lost connection) costs the timer's wait, as before; a
wake that finds nothing costs one tick.
"""

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from temporalio.client import Client

from activities.intake import WAKE_CHANNEL
from core.db import libpq_url
from core.settings import get_settings

log = logging.getLogger(__name__)

_waiting: dict[str, set[str]] = {}  # room -> workflows whose lane for it went back to its timer
_watching: dict[str, set[threading.Event]] = {}  # room -> flags of lanes lingering in it (campaign_lane.py)
_listening = threading.Event()  # set while the listener is connected and LISTENing
_lock = threading.Lock()


def listening() -> bool:
    return _listening.is_set()


@contextmanager
def notified_of(rooms: list[str]) -> Iterator[threading.Event]:
    """A flag set when any of these rooms (and any added by watch) gets events, while in the block."""
    flag = threading.Event()
    watch(flag, rooms)
    try:
        yield flag
    finally:
        with _lock:
            for room in [r for r, flags in _watching.items() if flag in flags]:
                _watching[room].discard(flag)
                if not _watching[room]:
                    del _watching[room]


def watch(flag: threading.Event, rooms: list[str]) -> None:
    with _lock:
        for room in rooms:
            _watching.setdefault(room, set()).add(flag)


def lane_waits(workflow_id: str, rooms: list[str]) -> None:
    """The lane of these rooms handed back to its workflow's timer."""
    with _lock:
        for room in rooms:
            _waiting.setdefault(room, set()).add(workflow_id)


def lane_runs(workflow_id: str, rooms: list[str] | None) -> None:
    """The lane of these rooms (None: all of the workflow's) is ticking again: nothing to wake."""
    with _lock:
        for room in list(_waiting) if rooms is None else rooms:
            if (workflows := _waiting.get(room)) is not None:
                workflows.discard(workflow_id)
                if not workflows:
                    del _waiting[room]


def _take(room: str) -> set[str]:
    """The workflows to wake for the room (once each); the lingering lanes' flags are set."""
    with _lock:
        for flag in _watching.get(room, ()):
            flag.set()
        return _waiting.pop(room, set())


def wake_lanes_on_intake(client: Client) -> threading.Event:
    """Listen on a thread of its own, signalling through `client` on the running event loop; set the
    returned event to stop (within a second)."""
    loop, stop = asyncio.get_running_loop(), threading.Event()
    url = libpq_url(get_settings().resolved_database_url())
    threading.Thread(target=_listen, args=(client, loop, url, stop), name="lane-wake", daemon=True).start()
    return stop


def _listen(client: Client, loop: asyncio.AbstractEventLoop, database_url: str, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            with psycopg.connect(database_url, autocommit=True) as conn:
                conn.execute(f"LISTEN {WAKE_CHANNEL}")
                _listening.set()
                while not stop.is_set():
                    for note in conn.notifies(timeout=1.0):
                        for workflow_id in _take(note.payload):
                            asyncio.run_coroutine_threadsafe(_wake(client, workflow_id, note.payload), loop)
        except Exception:  # noqa: BLE001 - a lost connection above all: the thread must not die of it
            log.warning("lane wake: listening failed, listening again in 1 s", exc_info=True)
            time.sleep(1.0)
        finally:
            _listening.clear()


async def _wake(client: Client, workflow_id: str, room: str) -> None:
    try:
        await client.get_workflow_handle(workflow_id).signal("wake", room)
    except Exception:  # noqa: BLE001 - the run may have ended meanwhile: its timer needs no waking
        log.debug("lane wake: %s (room %s) not signalled", workflow_id, room, exc_info=True)
