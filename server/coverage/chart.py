"""The month-by-month coverage chart as inline SVG, drawn on the server (no chart library)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 28


def month_chart(
    cumulative: Sequence[int], total: int, target: float, labels: Sequence[str], title: str,
    *, current_month: int | None = None,
) -> Markup:
    """Bars of the cumulative coverage ratio at the end of each month, with a dashed target line.

    ``current_month`` (1-12) greys out the months after it (no data yet). All text is escaped.
    """
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(cumulative))

    def y(ratio: float) -> float:
        return TOP + plot_h * (1 - min(max(ratio, 0.0), 1.0))

    parts = [
        f'<svg class="cov-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                     f'stroke="#e3e5e8"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="#5a6270">{tick * 100:.0f}%</text>')
    for i, (count, label) in enumerate(zip(cumulative, labels, strict=True)):
        ratio = count / total if total else 0.0
        x = LEFT + i * slot + slot * 0.15
        future = current_month is not None and i + 1 > current_month
        color = "#d0d4da" if future else "#1a9850" if ratio >= target else "#0b5cad"
        if not future:
            parts.append(
                f'<rect x="{x:.1f}" y="{y(ratio):.1f}" width="{slot * 0.7:.1f}" height="{TOP + plot_h - y(ratio):.1f}" '
                f'fill="{color}"><title>{escape(label)}: {count}/{total} ({ratio * 100:.1f}%)</title></rect>'
            )
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - 10}" text-anchor="middle" font-size="11" '
                     f'fill="#5a6270">{escape(label)}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
                 f'stroke="#a1120f" stroke-width="1.5" stroke-dasharray="6 4"/>')
    parts.append(f'<text x="{WIDTH - RIGHT}" y="{y(target) - 4:.1f}" text-anchor="end" font-size="11" '
                 f'fill="#a1120f">{target * 100:.0f}%</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above went through escape())
