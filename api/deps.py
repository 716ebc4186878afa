"""Authentication by API key and role checks, as FastAPI dependencies."""

from collections.abc import Callable

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from temporalio.client import Client

from activities.api_keys import authenticate
from core.db import transaction
from models.api_keys import ApiKey, Role

bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer lp_<id>_<secret>`")


def current_key(credentials: HTTPAuthorizationCredentials | None = Security(bearer)) -> ApiKey:
    if credentials is None:
        raise HTTPException(401, "missing API key (Authorization: Bearer lp_...)")
    with transaction() as conn:
        key = authenticate(conn, credentials.credentials)
    if key is None:
        raise HTTPException(401, "invalid or revoked API key")
    return key


def require(*roles: Role) -> Callable[..., ApiKey]:
    def check(key: ApiKey = Depends(current_key)) -> ApiKey:
        if key.role not in roles:
            raise HTTPException(403, f"role {key.role} may not do this; needs {' or '.join(roles)}")
        return key

    return check


def member_reader(member_id: str, key: ApiKey = Depends(current_key)) -> ApiKey:
    """Operators read anyone; a member-app key reads only its own member."""
    if key.role == Role.OPERATOR:
        return key
    if key.role == Role.MEMBER_APP and key.member_id == member_id:
        return key
    raise HTTPException(403, "this key may not read that member")


async def temporal(request: Request) -> Client:
    return await request.app.state.temporal()
