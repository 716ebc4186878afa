"""Authentication by API key and role checks, as FastAPI dependencies."""

import hashlib
import time
from collections.abc import Callable

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client

from activities.api_keys import authenticate
from core.db import transaction
from core.settings import get_settings
from models.api_keys import ApiKey, Role

bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer lp_<id>_<secret>`")


# token digest -> (valid until, key). A verified key is trusted for api_key_cache_seconds, so hot
# endpoints (coupon claim storms) skip a database round trip; a revocation takes effect within that time.
_verified: dict[str, tuple[float, ApiKey]] = {}


def _lookup(token: str) -> ApiKey | None:
    with transaction() as conn:
        return authenticate(conn, token)


async def authenticate_token(token: str) -> ApiKey | None:
    """The key behind a bearer token (cached for api_key_cache_seconds), or None."""
    digest, ttl = hashlib.sha256(token.encode()).hexdigest(), get_settings().api_key_cache_seconds
    hit = _verified.get(digest)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    key = await run_in_threadpool(_lookup, token)  # the database call stays off the event loop
    if key is not None and ttl > 0:
        if len(_verified) > 10_000:
            _verified.clear()
        _verified[digest] = (time.monotonic() + ttl, key)
    return key


# The dependencies are async so that a request costs one thread-pool hop (its endpoint), not three.
async def current_key(credentials: HTTPAuthorizationCredentials | None = Security(bearer)) -> ApiKey:
    if credentials is None:
        raise HTTPException(401, "missing API key (Authorization: Bearer lp_...)")
    key = await authenticate_token(credentials.credentials)
    if key is None:
        raise HTTPException(401, "invalid or revoked API key")
    return key


def require(*roles: Role) -> Callable[..., ApiKey]:
    async def check(key: ApiKey = Depends(current_key)) -> ApiKey:
        if key.role not in roles:
            raise HTTPException(403, f"role {key.role} may not do this; needs {' or '.join(roles)}")
        return key

    return check


async def member_reader(member_id: str, key: ApiKey = Depends(current_key)) -> ApiKey:
    """Operators read anyone; a member-app key reads only its own member."""
    if key.role == Role.OPERATOR:
        return key
    if key.role == Role.MEMBER_APP and key.member_id == member_id:
        return key
    raise HTTPException(403, "this key may not read that member")


async def temporal(request: Request) -> Client:
    return await request.app.state.temporal()
