"""Read-only queries shared by the API, the CLI and reports."""
