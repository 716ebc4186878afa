"""What each event type's payload must hold: the fields campaigns read, checked at intake.

A like whose count is "abc" made every tick of its room's campaigns fail on int("abc") and retry
for ever; a ranking sent as a string was read letter by letter. Such an event is now refused with
its reason, like any other bad event, and the rest of its batch is stored. Types not listed here
(enter, heartbeat, share, gift...) carry whatever payload object the platform sends.
"""

from collections.abc import Callable

MAX_COUNT = 2**31 - 1


def _count(payload: dict, field: str, *, required: bool) -> None:
    value = payload.get(field)
    if value is None and not required:
        return
    if type(value) is not int or not 0 <= value <= MAX_COUNT:  # type(): a JSON true is not a count
        raise ValueError(f"payload.{field} must be a whole number from 0 to {MAX_COUNT}, got {value!r}")


def _text(payload: dict, field: str, *, required: bool) -> None:
    value = payload.get(field)
    if value is None and not required:
        return
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValueError(f"payload.{field} must be a{' non-empty' if required else ''} string, got {value!r}")


def _ranking(payload: dict) -> None:
    value = payload.get("ranking")
    if not isinstance(value, list) or not all(isinstance(m, str) and m for m in value):
        raise ValueError(f"payload.ranking must be a list of member ids, best first, got {value!r}"[:300])


def _order(payload: dict) -> None:
    _text(payload, "order_id", required=False)
    _count(payload, "amount_fen", required=False)


CHECKS: dict[str, Callable[[dict], None]] = {
    "like": lambda p: _count(p, "count", required=False),  # absent: one like
    "online_count": lambda p: _count(p, "count", required=True),
    "comment": lambda p: _text(p, "text", required=False),
    "host_command": lambda p: _text(p, "word", required=True),
    "rank_update": _ranking,
    "order_paid": _order,
}
