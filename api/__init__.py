"""HTTP API (FastAPI): order system, live platform, member app, operators."""
