"""The `liveperks` command line (typer)."""
