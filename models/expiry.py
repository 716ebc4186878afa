"""Inputs and results of the expiry activities."""

from datetime import datetime

from pydantic import BaseModel


class ExpireInput(BaseModel):
    now: datetime
    batch_size: int = 500


class ExpireResult(BaseModel):
    lots: int
    points: int
    more: bool
