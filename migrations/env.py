"""Alembic environment: the URL comes from settings (DATABASE_URL or the embedded server)."""

from alembic import context
from sqlalchemy import create_engine

from core.db import sqlalchemy_url
from core.settings import get_settings
from models.registry import metadata

url = context.config.attributes.get("url") or sqlalchemy_url(get_settings().resolved_database_url())

with create_engine(url).connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
