"""Inline SVG charts, pure functions of the numbers: no scripts, no fonts, nothing fetched.

Every chart is an <svg class="chart" data-chart="NAME"> with one mark per data point (bars, points,
whiskers), which the browser test counts to prove the chart is not empty."""

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

PALETTE = ("#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c", "#0891b2")
W, ROW = 640, 26


def compact(v: float) -> str:
    """Axis labels that fit: 40.1M, 12.5k, 950."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= size:
            return f"{v / size:.1f}{suffix}"
    return f"{v:,.0f}"


def _svg(name: str, height: int, body: list[str], title: str) -> Markup:
    return Markup(f'<svg class="chart" data-chart="{escape(name)}" role="img" aria-label="{escape(title)}" '
                  f'viewBox="0 0 {W} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">'
                  f'<title>{escape(title)}</title>{"".join(body)}</svg>')


def bars(name: str, title: str, items: Sequence[tuple[str, float]], fmt: Callable[[float], str] = str) -> Markup:
    """Horizontal bars, one row per item, the value written at the end of the bar."""
    top = max((v for _, v in items), default=0) or 1
    body, left, width = [], 230, W - 230 - 90
    for i, (label, value) in enumerate(items):
        y = 6 + i * ROW
        w = max(1.0, width * max(value, 0) / top)
        body.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" class="lbl">{escape(str(label)[:34])}</text>'
                    f'<rect class="mark" x="{left}" y="{y + 3}" width="{w:.1f}" height="{ROW - 8}" '
                    f'fill="{PALETTE[0]}" rx="2"/>'
                    f'<text x="{left + w + 6:.1f}" y="{y + 15}" class="val">{escape(fmt(value))}</text>')
    return _svg(name, 12 + len(items) * ROW, body, title)


def lines(name: str, title: str, labels: Sequence[str], series: dict[str, Sequence[float]]) -> Markup:
    """One polyline per series over the labels (days), with a dot per point and a legend."""
    height, left, bottom, top_pad = 240, 60, 200, 30
    top = max((v for vals in series.values() for v in vals), default=0) or 1
    n = max(len(labels) - 1, 1)
    x = [left + (W - left - 50) * i / n for i in range(len(labels))]
    body = [f'<line x1="{left}" y1="{bottom}" x2="{W - 50}" y2="{bottom}" class="axis"/>',
            f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end" class="val">{compact(top)}</text>',
            f'<text x="{left - 6}" y="{bottom}" text-anchor="end" class="val">0</text>']
    body += [f'<text x="{x[i]:.1f}" y="{bottom + 18}" text-anchor="middle" class="lbl">{escape(label)}</text>'
             for i, label in enumerate(labels)]
    for k, (sname, vals) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        pts = [(x[i], bottom - (bottom - top_pad) * max(v, 0) / top) for i, v in enumerate(vals)]
        body.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" '
                    f'points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in pts)}"/>')
        body += [f'<circle class="mark" cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{color}"/>' for a, b in pts]
        body.append(f'<rect x="{left + k * 130}" y="6" width="12" height="12" fill="{color}"/>'
                    f'<text x="{left + k * 130 + 18}" y="16" class="lbl">{escape(sname)}</text>')
    return _svg(name, height, body, title)


def intervals(name: str, title: str, rows: Sequence[tuple[str, float, float, float]],
              fmt: Callable[[float], str] = str) -> Markup:
    """Estimate with its 95% interval per row, around a zero line (differences against a holdout)."""
    left, right = 230, W - 90
    span = max((max(abs(lo), abs(hi)) for _, _, lo, hi in rows), default=0) or 1
    def sx(v: float) -> float:
        return left + (right - left) * (v + span) / (2 * span)
    height = 30 + len(rows) * ROW
    body = [f'<line x1="{sx(0):.1f}" y1="4" x2="{sx(0):.1f}" y2="{height - 4}" class="axis"/>']
    for i, (label, est, lo, hi) in enumerate(rows):
        y = 14 + i * ROW
        color = PALETTE[1] if lo > 0 else PALETTE[2] if hi < 0 else "#6b7280"
        body.append(f'<text x="{left - 8}" y="{y + 5}" text-anchor="end" class="lbl">{escape(label[:34])}</text>'
                    f'<line x1="{sx(lo):.1f}" y1="{y}" x2="{sx(hi):.1f}" y2="{y}" stroke="{color}" stroke-width="2"/>'
                    f'<circle class="mark" cx="{sx(est):.1f}" cy="{y}" r="5" fill="{color}"/>'
                    f'<text x="{right + 6}" y="{y + 5}" class="val">{escape(fmt(est))}</text>')
    return _svg(name, height, body, title)
