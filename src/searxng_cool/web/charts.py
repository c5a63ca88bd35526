"""Charts as SVG drawn on the server: no script, no build step, readable without colour.

Each chart has a <title> and an aria-label (screen readers), and every bar a <title> with
its label and value (a tooltip on hover).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH = 720
HEIGHT = 180
PAD_LEFT = 44
PAD_BOTTOM = 22
PAD_TOP = 8


def _nice(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 1_000:
        return f"{value / 1_000:.1f}k"
    return f"{value:g}"


def bar_chart(
    points: Sequence[tuple[str, float]],
    *,
    title: str,
    width: int = WIDTH,
    height: int = HEIGHT,
    unit: str = "",
) -> Markup:
    """Bars, one per (label, value), left to right; the first and last labels under the axis."""
    label = escape(title)
    top = max((value for _, value in points), default=0.0) or 1.0
    plot_w = width - PAD_LEFT - 4
    plot_h = height - PAD_BOTTOM - PAD_TOP
    step = plot_w / max(len(points), 1)
    parts = [
        f'<svg class="chart" role="img" aria-label="{label}" viewBox="0 0 {width} {height}"'
        f' xmlns="http://www.w3.org/2000/svg"><title>{label}</title>',
        f'<line class="axis" x1="{PAD_LEFT}" y1="{PAD_TOP + plot_h}" x2="{width - 4}"'
        f' y2="{PAD_TOP + plot_h}"/>',
        f'<text class="tick" x="{PAD_LEFT - 4}" y="{PAD_TOP + 10}" text-anchor="end">'
        f"{_nice(top)}</text>",
        f'<text class="tick" x="{PAD_LEFT - 4}" y="{PAD_TOP + plot_h}" text-anchor="end">0</text>',
    ]
    for index, (name, value) in enumerate(points):
        bar_h = plot_h * (value / top) if value > 0 else 0.0
        x = PAD_LEFT + index * step
        parts.append(
            f'<rect class="bar" x="{x + step * 0.1:.1f}" y="{PAD_TOP + plot_h - bar_h:.1f}"'
            f' width="{max(step * 0.8, 1):.1f}" height="{bar_h:.1f}">'
            f"<title>{escape(name)}: {_nice(value)}{escape(unit)}</title></rect>"
        )
    if points:
        parts.append(
            f'<text class="tick" x="{PAD_LEFT}" y="{height - 6}">{escape(points[0][0])}</text>'
        )
        parts.append(
            f'<text class="tick" x="{width - 4}" y="{height - 6}" text-anchor="end">'
            f"{escape(points[-1][0])}</text>"
        )
    else:
        parts.append(
            f'<text class="tick" x="{width / 2}" y="{height / 2}" text-anchor="middle">'
            "no data yet</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
