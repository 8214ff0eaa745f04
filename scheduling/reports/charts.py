"""Bar charts drawn on the server as SVG: no JavaScript, readable without colour, each with a <title> and a
<desc> a screen reader announces (role="img"). The page puts a table of the same numbers beside each."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

BAR = "#205067"  # the admin's dark blue: 9:1 against white
AXIS = "#555"
WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 40
MOST_X_LABELS = 8


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def count(value: float) -> str:
    return f"{value:g}"


def _svg(chart_id: str, title: str, description: str, height: int, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'style="max-width:{WIDTH}px" aria-labelledby="{chart_id}-title {chart_id}-desc" class="report-chart">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _y_label(y: float, text: str) -> str:
    return f'<text x="{LEFT - 6}" y="{y}" text-anchor="end" font-size="11" fill="{AXIS}">{escape(text)}</text>'


def columns(
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[tuple[str, float | None]],
    *,
    maximum: float | None = None,
    shown: Callable[[float], str] = count,
) -> str:
    """Vertical bars, one per label (a day, a bucket); None draws no bar (nothing to divide by)."""
    top = maximum if maximum is not None else max((value or 0 for _, value in bars), default=0)
    top = top or 1
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(bars), 1)
    body = [
        f'<line x1="{LEFT}" y1="{TOP + inner_h}" x2="{WIDTH - RIGHT}" y2="{TOP + inner_h}" stroke="{AXIS}"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + inner_h}" stroke="{AXIS}"/>',
        _y_label(TOP + 4, shown(top)),
        _y_label(TOP + inner_h, shown(0)),
    ]
    every = max(1, -(-len(bars) // MOST_X_LABELS))
    for n, (label, value) in enumerate(bars):
        x = LEFT + n * step
        if value:
            h = inner_h * min(value / top, 1)
            body.append(
                f'<rect x="{x + step * 0.1:.1f}" y="{TOP + inner_h - h:.1f}" width="{max(step * 0.8, 1):.1f}" '
                f'height="{h:.1f}" fill="{BAR}"><title>{escape(label)}: {escape(shown(value))}</title></rect>'
            )
        if n % every == 0:
            body.append(
                f'<text x="{x + step / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" font-size="11" '
                f'fill="{AXIS}">{escape(label)}</text>'
            )
    return _svg(chart_id, title, description, HEIGHT, body)


def rows(chart_id: str, title: str, description: str, bars: Sequence[tuple[str, float]], *, shown=count) -> str:
    """Horizontal bars with their label and value written beside them (reasons, which have long names)."""
    line, label_w = 24, 220
    height = TOP + line * max(len(bars), 1) + 8
    top = max((value for _, value in bars), default=0) or 1
    inner_w = WIDTH - label_w - 60
    body = []
    if not bars:
        body.append(f'<text x="{LEFT}" y="{TOP + 16}" font-size="12" fill="{AXIS}">None in this range.</text>')
    for n, (label, value) in enumerate(bars):
        y = TOP + n * line
        w = inner_w * value / top
        short = label if len(label) <= 34 else label[:33] + "…"
        body += [
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" font-size="12" fill="#222">{escape(short)}</text>',
            f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{line - 8}" fill="{BAR}"/>',
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" font-size="12" fill="#222">{escape(shown(value))}</text>',
        ]
    return _svg(chart_id, title, description, height, body)
