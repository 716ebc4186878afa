"""Apply alembic migrations programmatically (`liveperks db upgrade`, `dev up`, test fixtures)."""

from alembic import command
from alembic.config import Config

from core.db import sqlalchemy_url
from core.settings import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["url"] = sqlalchemy_url(database_url)
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(database_url), revision)
