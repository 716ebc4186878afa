"""Each trigger's matching function: plain values in, a decision out. The evaluator wires them to events."""

import hashlib
import random
from dataclasses import dataclass

from domain.campaigns.text import contains_any


def add_heartbeat(watch_s: float, last_hb: float | None, at: float, gap_s: float) -> tuple[float, float]:
    """Watching time grows by the time since the previous heartbeat when the gap is tolerable;
    a longer gap (or a re-entry) starts counting afresh, so watching is cumulative across re-entries."""
    if last_hb is not None and 0 < at - last_hb <= gap_s:
        watch_s += at - last_hb
    return watch_s, max(at, last_hb or at)


def watched_enough(watch_s: float, minutes: float, times_granted: int) -> bool:
    """The k-th grant needs k * minutes watched (so per_viewer > 1 means 'every N minutes')."""
    return watch_s >= minutes * 60 * (times_granted + 1)


def watched_without_order(watch_s: float, ordered: bool, minutes: float, times_granted: int = 0) -> bool:
    """Not ordered yet, and watched long enough for the next grant (every N minutes, as watched_enough)."""
    return not ordered and watched_enough(watch_s, minutes, times_granted)


def comment_matches(text: str, keywords: list[str]) -> bool:
    return contains_any(text, keywords)


def likes_reached(likes: int, count: int, times_granted: int) -> bool:
    return likes >= count * (times_granted + 1)


def thresholds_crossed(before: int, after: int, thresholds: list[int]) -> list[int]:
    """Thresholds passed by going from `before` to `after` (each fires once)."""
    return sorted(t for t in thresholds if before < t <= after)


def is_first_visit(member_id: str, seen_before: set[str]) -> bool:
    return member_id not in seen_before


def milestone_crossed(before: int, after: int, count: int) -> bool:
    return before < count <= after


def lottery_seed(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def lottery_winners(entrants: list[str], winners: int, seed: str) -> list[str]:
    """Deterministic from (sorted entrants, seed): anyone with the recorded seed can re-draw."""
    pool = sorted(set(entrants))
    return random.Random(seed).sample(pool, min(winners, len(pool)))


def lottery_verified(entrants: list[str], winners: list[str], seed: str) -> bool:
    """Do the recorded seed and entrants draw the recorded winners again, in the same order?"""
    return len(winners) <= len(set(entrants)) and lottery_winners(entrants, len(winners), seed) == winners


@dataclass
class OpenCommand:
    """A host command word open for answers."""
    event_id: str
    word: str
    opened_at: float
    until: float
    taken: int = 0


def answers_command(text: str, at: float, command: OpenCommand, *, mode: str, n: int) -> bool:
    """first_n: the first n comments with the word while open; comment_within: any within the time."""
    if not (command.opened_at <= at <= command.until) or not contains_any(text, [command.word]):
        return False
    return mode == "comment_within" or command.taken < n


def command_word_allowed(word: str, wanted: str | None) -> bool:
    return wanted is None or contains_any(word, [wanted])


def in_flash_sale(event_type: str, interactions: list[str], sale_open: bool) -> bool:
    return sale_open and event_type in interactions


def top_fans(ranking: list, top_n: int) -> list[str]:
    return [str(m) for m in ranking[:top_n] if m]
