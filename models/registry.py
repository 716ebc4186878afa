"""Imports every table module so SQLModel.metadata is complete (alembic, schema checks)."""

from sqlmodel import SQLModel

from models import (api_keys, earning, events, experiments, ledger, orders, rejections,  # noqa: F401
                    reports, risk_base)

metadata = SQLModel.metadata
