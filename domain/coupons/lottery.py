"""Lottery draws: reproducible from a recorded seed, probabilities in parts per million."""

import random
import secrets
from dataclasses import dataclass
from decimal import Decimal

from domain.errors import BadInput

PPM = 1_000_000


@dataclass(frozen=True)
class Prize:
    prize_id: str
    weight_ppm: int


def new_seed() -> str:
    return secrets.token_hex(8)


def draw(prizes: list[Prize], seed: str) -> str | None:
    """The prize the seed picks, or None for 'no prize'. Same seed, same prizes -> same result."""
    ticket = random.Random(int(seed, 16)).randrange(PPM)
    upper = 0
    for prize in sorted(prizes, key=lambda p: p.prize_id):
        upper += prize.weight_ppm
        if ticket < upper:
            return prize.prize_id
    return None


def to_ppm(probability: Decimal, prize_id: str) -> int:
    ppm = probability * PPM
    if not 0 <= probability <= 1 or ppm != ppm.to_integral_value():
        raise BadInput(f"prize {prize_id}: probability must be within 0..1 with at most 6 decimals, got {probability}")
    return int(ppm)
