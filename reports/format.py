"""How numbers read in the report: yuan from fen, percentages, changes."""


def yuan(fen: float | None) -> str:
    return "–" if fen is None else f"¥{fen / 100:,.2f}"


def pct(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x * 100:.{digits}f}%"


def num(x: float | None) -> str:
    return "–" if x is None else f"{x:,.0f}"


def change(now: float | None, before: float | None) -> str:
    """'+12.5%', 'new' or '–': how a headline moved against the previous period."""
    if now is None or before is None:
        return "–"
    if before == 0:
        return "no change" if now == 0 else "new"
    return f"{(now - before) / abs(before) * 100:+.1f}%"
