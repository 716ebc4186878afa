"""What every demo step gets: the Temporal client, the API's address and keys, a console."""

from dataclasses import dataclass, field

from rich.console import Console
from temporalio.client import Client


@dataclass
class DemoContext:
    client: Client
    api_url: str  # e.g. http://127.0.0.1:8000
    tokens: dict[str, str]  # role -> API token (order-system, operator, live-platform)
    console: Console
    seed: int = 7
    # (section, label, value) rows each step adds for the final summary table
    summary: list[tuple[str, str, str]] = field(default_factory=list)
