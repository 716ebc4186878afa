"""Check an operator's exchange offer and its lottery prizes."""

from domain.coupons.lottery import PPM, to_ppm
from domain.errors import BadInput
from models.exchange_api import OfferSpec
from models.exchanges import OfferKind


def check_offer(spec: OfferSpec) -> list[tuple[str, str, int, int | None, str | None]]:
    """Raise BadInput on a bad offer; return the prizes as (prize_id, name, ppm, stock, template_id)."""
    problems = []
    if spec.kind not in set(OfferKind):
        problems.append(f"kind must be one of {', '.join(OfferKind)}")
    if spec.price_points <= 0:
        problems.append(f"price_points must be positive, got {spec.price_points}")
    if spec.stock is not None and spec.stock < 0:
        problems.append("stock must be >= 0 (or null for unlimited)")
    if spec.kind == OfferKind.COUPON and not spec.template_id:
        problems.append("a coupon offer needs template_id")
    if spec.kind == OfferKind.MERCHANDISE and spec.stock is None:
        problems.append("merchandise needs a stock")
    if spec.kind == OfferKind.LOTTERY and not spec.prizes:
        problems.append("a lottery needs at least one prize")
    if spec.kind != OfferKind.LOTTERY and spec.prizes:
        problems.append("only lotteries have prizes")
    if problems:
        raise BadInput(f"offer {spec.id!r}: " + "; ".join(problems))
    prizes = [(p.prize_id, p.name, to_ppm(p.probability, p.prize_id), p.stock, p.template_id) for p in spec.prizes]
    if len({p[0] for p in prizes}) != len(prizes):
        raise BadInput(f"offer {spec.id!r}: prize ids must be unique")
    if sum(p[2] for p in prizes) > PPM:
        raise BadInput(f"offer {spec.id!r}: prize probabilities sum to more than 1")
    if any(p[3] is not None and p[3] < 0 for p in prizes):
        raise BadInput(f"offer {spec.id!r}: prize stock must be >= 0")
    return prizes
