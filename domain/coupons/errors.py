"""Refusals of an exchange or issue that the caller should see as a clear reason, nothing applied."""

from domain.errors import BadInput


class Refused(BadInput):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
