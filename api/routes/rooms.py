"""Rooms (operators register them) and room event intake (the live platform posts batches)."""

import asyncio

from fastapi import APIRouter, Depends, HTTPException, Request

from activities.intake import UnknownRoom, store_batch
from activities.rejections import record_rejection
from activities.rooms import list_rooms, register_room
from api.deps import require
from core.db import transaction
from core.settings import get_settings
from domain.errors import BadInput
from domain.intake import parse_body
from models.api_keys import Role
from models.events import RoomBase
from models.intake import IntakeResult

router = APIRouter(prefix="/v1/rooms", tags=["rooms"])


@router.post("", response_model=RoomBase, dependencies=[Depends(require(Role.OPERATOR))])
def add_room(room: RoomBase) -> RoomBase:
    """Register (or update) a live room; events are accepted only for registered rooms."""
    with transaction() as conn:
        register_room(conn, room)
    return room


@router.get("", response_model=list[RoomBase], dependencies=[Depends(require(Role.OPERATOR))])
def get_rooms() -> list[RoomBase]:
    """Every registered room."""
    with transaction() as conn:
        return list_rooms(conn)


@router.post("/{room_id}/events", response_model=IntakeResult,
             dependencies=[Depends(require(Role.LIVE_PLATFORM, Role.OPERATOR))],
             openapi_extra={"requestBody": {"content": {
                 "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                 "application/x-ndjson": {"schema": {"type": "string"}}}}})
async def post_events(room_id: str, request: Request) -> IntakeResult:
    """A batch of room events as a JSON array or NDJSON. Valid events are stored (idempotent by
    event_id); each invalid one is refused with its reason (and kept in the dead-letter table).
    413 for an oversized body, 404 for an unknown room."""
    limit = get_settings().intake_max_body_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"body of {declared} bytes is over the {limit}-byte limit; split the batch")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"body is over the {limit}-byte limit; split the batch")
    try:  # parsing and the database work off the event loop: other requests keep streaming in meanwhile
        return await asyncio.to_thread(_ingest, room_id, bytes(body))
    except BadInput as error:  # the whole request refused: recorded (first 2 KB of the body), then 404/422
        record_rejection(source="room_events", reference=room_id, reason=str(error),
                         payload={"body_head": bytes(body[:2048]).decode("utf-8", "replace"), "bytes": len(body)})
        if isinstance(error, UnknownRoom):
            raise HTTPException(404, str(error)) from None
        raise


def _ingest(room_id: str, body: bytes) -> IntakeResult:
    items = parse_body(body)
    if not isinstance(items, list):
        raise BadInput("body must be a JSON array of events or NDJSON")
    return store_batch(room_id, items)
