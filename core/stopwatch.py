"""Seconds spent per named phase of one piece of work, for its log line (where a slow tick's time went)."""

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class Stopwatch:
    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - started

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] += seconds

    def summary(self, names: list[str]) -> str:
        """'read 0.012 s, evaluate 0.034 s, ...' in the order given (0 for a phase not timed)."""
        return ", ".join(f"{name} {self.seconds.get(name, 0.0):.3f} s" for name in names)
