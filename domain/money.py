"""Money is integer fen (1 yuan = 100 fen) everywhere inside; yuan decimals only at the edges."""

from decimal import Decimal

from domain.errors import BadInput


def to_fen(yuan: Decimal, field: str) -> int:
    if not isinstance(yuan, Decimal):
        yuan = Decimal(str(yuan))
    if not yuan.is_finite():
        raise BadInput(f"{field} must be a number, got {yuan}")
    fen = yuan * 100
    if fen != fen.to_integral_value():
        raise BadInput(f"{field} has more than 2 decimal places: {yuan}")
    return int(fen)


def to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split `total` over `weights` proportionally, exactly (largest remainder), in integers."""
    weight_sum = sum(weights)
    if weight_sum == 0:
        return [0] * len(weights)
    shares = [total * w // weight_sum for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % weight_sum), i))
    for i in remainders[: total - sum(shares)]:
        shares[i] += 1
    return shares
