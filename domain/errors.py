"""Errors that mean "this input is wrong": never retried, always recorded, nothing applied."""


class BadInput(ValueError):
    """Input that can never succeed, whatever the retries."""


class NotFound(BadInput):
    """The thing named does not exist (HTTP 404 rather than 422)."""


class InsufficientPoints(BadInput):
    def __init__(self, member_id: str, needed: int, available: int):
        super().__init__(f"member {member_id} has {available} points available, {needed} needed")
        self.needed, self.available = needed, available
