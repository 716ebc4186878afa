"""Inputs and results of the storage upkeep (workflows/storage_upkeep.py)."""

from pydantic import BaseModel


class VacuumInput(BaseModel):
    table: str


class VacuumResult(BaseModel):
    table: str
    seconds: float


class UpkeepInput(BaseModel):
    tables: list[str] = []  # empty: every append-only table (activities/storage_upkeep.py)


class UpkeepResult(BaseModel):
    seconds_by_table: dict[str, float]
