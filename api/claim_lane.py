"""A lean lane for the hottest endpoint, POST /v1/coupons/issue (claim storms in live rooms).

A plain ASGI middleware answers it without FastAPI's per-request machinery (dependency solving,
a thread-pool hop, the ORM): the cached API key check, the same IssueRequest/IssueResponse
models, and one call of coupon_claim() on a pooled asyncpg connection. Anything unusual - no or a bad
key, a role that may not issue, a body that does not validate - goes on to the FastAPI route with
the body replayed, so errors look exactly like every other endpoint's. The route in
api/routes/coupons.py stays the documented one (OpenAPI) and gives the same answers.
"""

from datetime import datetime, timezone

import orjson
from asyncpg.exceptions import PostgresError
from pydantic import ValidationError

from activities.coupon_issue import claim_async
from api.contention import BUSY_DETAIL, BUSY_STATUS, RETRY_AFTER_S, RETRYABLE_SQLSTATES
from api.deps import authenticate_token
from core.async_db import async_pool
from domain.money import to_yuan
from models.api_keys import Role
from models.coupon_api import IssueRequest, IssueResponse

PATH = "/v1/coupons/issue"
_ROLES = (Role.OPERATOR, Role.ORDER_SYSTEM)
_MAX_BODY = 16_384
_HEADERS = [(b"content-type", b"application/json")]
_BUSY = (BUSY_STATUS, orjson.dumps({"detail": BUSY_DETAIL}))


def status_of(out) -> int:
    return 201 if out.issued else 200 if out.already else 409


class ClaimLane:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > _MAX_BODY:
                break
        answer = None if more else await self._answer(scope, body)
        if answer is None:
            return await self.app(scope, _replay(body, more, receive), send)
        status, payload = answer
        headers = _HEADERS + [(b"content-length", str(len(payload)).encode())]
        if status == BUSY_STATUS:
            headers.append((b"retry-after", RETRY_AFTER_S.encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def _answer(self, scope, body: bytes) -> tuple[int, bytes] | None:
        token = _bearer(scope)
        key = await authenticate_token(token) if token else None
        if key is None or key.role not in _ROLES:
            return None
        try:
            req = IssueRequest.model_validate_json(body)
        except ValidationError:
            return None
        try:
            async with (await async_pool()).acquire() as conn:
                out = await claim_async(conn, template_id=req.template_id, member_id=req.member_id,
                                        idempotency_key=req.idempotency_key, source=req.source,
                                        now=datetime.now(timezone.utc), room_id=req.room_id,
                                        session_ends_at=req.session_ends_at)
        except PostgresError as error:
            if error.sqlstate not in RETRYABLE_SQLSTATES:
                raise
            return _BUSY  # the claim's transaction rolled back: nothing was written
        response = IssueResponse(issued=out.issued, already=out.already, coupon_code=out.coupon_code,
                                 face_value=to_yuan(out.face_value_fen), reason=out.reason)
        return status_of(out), IssueResponse.__pydantic_serializer__.to_json(response)


def _bearer(scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    return None


def _replay(body: bytes, more: bool, receive):
    """The body already read, then whatever the client still sends."""
    sent = False

    async def replayed():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replayed
