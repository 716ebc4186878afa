"""Member app: notifications by cursor, and the same as a server-sent-events stream."""

import asyncio

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sse_starlette.sse import EventSourceResponse

from api.deps import member_reader
from core.db import transaction
from models.notifications import NotificationPage
from queries import notifications

router = APIRouter(prefix="/v1/members", tags=["notifications"])


@router.get("/{member_id}/notifications", response_model=NotificationPage, dependencies=[Depends(member_reader)])
def get_notifications(member_id: str, after: int = Query(0, ge=0, description="next_cursor of the previous page"),
                      limit: int = Query(50, ge=1, le=500)) -> NotificationPage:
    """Oldest first, after the cursor; keep next_cursor and pass it back as `after`."""
    with transaction() as conn:
        return notifications.after(conn, member_id, after_id=after, limit=limit)


@router.get("/{member_id}/notifications/stream", dependencies=[Depends(member_reader)],
            response_model=None, responses={200: {"content": {"text/event-stream": {}}}})
async def stream_notifications(member_id: str, request: Request,
                               after: int = Query(0, ge=0, description="resume after this id (or Last-Event-ID)"),
                               poll_seconds: float = Query(0.5, ge=0.1, le=10),
                               max_seconds: float = Query(0, ge=0, description="close after this long (0 = never)")):
    """Server-sent events: one `notification` event per new notification, id = its cursor."""
    resume_from = request.headers.get("last-event-id") or str(after)
    if not resume_from.isdigit():
        raise HTTPException(400, "Last-Event-ID must be a notification id (a whole number) from this stream")
    last = int(resume_from)

    async def events():
        nonlocal last
        waited = 0.0
        while not await request.is_disconnected():
            page = await asyncio.to_thread(_page, member_id, last)
            for item in page.items:
                yield {"event": "notification", "id": str(item.id), "data": item.model_dump_json()}
                last = item.id
            if max_seconds and waited >= max_seconds:
                return
            await asyncio.sleep(poll_seconds)
            waited += poll_seconds

    return EventSourceResponse(events(), ping=15)


def _page(member_id: str, after_id: int) -> NotificationPage:
    with transaction() as conn:
        return notifications.after(conn, member_id, after_id=after_id, limit=200)
