"""Imports every table module so SQLModel.metadata is complete (alembic, schema checks)."""

from sqlmodel import SQLModel

from models import api_keys, earning, events, ledger, orders, rejections, risk, risk_base  # noqa: F401
from models import campaigns, intake, notifications  # noqa: F401
from models import coupons, exchanges, experiments, notices, reports  # noqa: F401
from models import risk_agg  # noqa: F401

metadata = SQLModel.metadata
