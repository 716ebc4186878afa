"""When an issued coupon is valid, decided once at issue time and stored on the coupon."""

import base64
import secrets
from datetime import datetime, timedelta

from models.coupons import ValidityKind

# Live-session coupons issued without a known session end (e.g. by an operator) last this long.
DEFAULT_SESSION_HOURS = 4


def validity_window(*, kind: str, now: datetime, valid_from: datetime | None, valid_until: datetime | None,
                    valid_hours: int, grace_minutes: int,
                    session_ends_at: datetime | None) -> tuple[datetime, datetime]:
    if kind == ValidityKind.ABSOLUTE:
        return valid_from, valid_until
    if kind == ValidityKind.RELATIVE:
        return now, now + timedelta(hours=valid_hours)
    ends = session_ends_at or now + timedelta(hours=DEFAULT_SESSION_HOURS)
    return now, ends + timedelta(minutes=grace_minutes)


def face_value_fen(*, kind: str, amount_off_fen: int, max_discount_fen: int) -> int:
    """What one coupon may cost at most: counted against the template's budget."""
    return max_discount_fen if kind == "percent_off" else amount_off_fen


def new_code() -> str:
    """80 random bits, base32 without padding: 16 characters, unguessable, easy to read aloud."""
    return "C" + base64.b32encode(secrets.token_bytes(10)).decode().rstrip("=")
