"""The serving model, cached in the process and reloaded when the promoted version changes."""

import threading

from sqlalchemy import text
from sqlalchemy.engine import Connection

from queries.risk import serving_version
from risk.model import RiskModel, sha256

_lock = threading.Lock()
_cached: tuple[str, RiskModel] | None = None


def serving_model(conn: Connection, version: str | None = "look up") -> tuple[str, RiskModel] | None:
    """(version, model) of the promoted model, or None at cold start. One indexed lookup per call
    (or the version the caller already read); the artifact is read and unpickled only when the
    version changed."""
    global _cached
    if version == "look up":
        version = serving_version(conn)
    if version is None:
        return None
    cached = _cached
    if cached is not None and cached[0] == version:
        return cached
    with _lock:
        if _cached is not None and _cached[0] == version:
            return _cached
        blob, digest = conn.execute(text("SELECT artifact, artifact_sha256 FROM risk_model WHERE version = :v"),
                                    {"v": version}).one()
        if sha256(blob) != digest:
            raise RuntimeError(f"risk model {version}: artifact does not match its sha256")
        _cached = (version, RiskModel.from_bytes(blob))
        return _cached
