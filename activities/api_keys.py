"""Create, check and revoke API keys. Tokens look like lp_<key_id>_<secret>; only SHA-256 of the secret is kept."""

import hashlib
import hmac
import secrets

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.errors import BadInput
from models.api_keys import ApiKey, ApiKeyCreated, Role


def create_key(conn: Connection, *, name: str, role: str, member_id: str | None = None) -> ApiKeyCreated:
    if role not in set(Role):
        raise BadInput(f"unknown role {role!r}; one of {', '.join(Role)}")
    if role == Role.MEMBER_APP and not member_id:
        raise BadInput("a member-app key is scoped to one member: give --member")
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    conn.execute(text("INSERT INTO api_key (key_id, secret_sha256, name, role, member_id) VALUES (:k, :h, :n, :r, :m)"),
                 {"k": key_id, "h": _digest(secret), "n": name, "r": role, "m": member_id})
    return ApiKeyCreated(key_id=key_id, token=f"lp_{key_id}_{secret}", name=name, role=role, member_id=member_id)


def authenticate(conn: Connection, token: str) -> ApiKey | None:
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "lp":
        return None
    row = conn.execute(text("SELECT * FROM api_key WHERE key_id = :k AND revoked_at IS NULL"),
                       {"k": parts[1]}).mappings().first()
    if row is None or not hmac.compare_digest(row["secret_sha256"], _digest(parts[2])):
        return None
    return ApiKey.model_validate(dict(row))


def revoke_key(conn: Connection, key_id: str) -> bool:
    return conn.execute(text("UPDATE api_key SET revoked_at = now() WHERE key_id = :k AND revoked_at IS NULL"),
                        {"k": key_id}).rowcount == 1


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
