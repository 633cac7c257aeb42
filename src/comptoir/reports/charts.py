"""Charts as inline SVG images drawn here: no script, no outside library.

Each chart has a title and a description for screen readers, and the same
numbers are in the table beside it. Series differ by line style as well as
colour, so colour is never the only signal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

COLOURS = ("#2455c3", "#d9480f", "#2b8a3e", "#7048e8")
DASHES = ("", "6 4", "2 3", "8 3 2 3")
WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 40


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return value


def _svg(uid: str, title: str, desc: str, height: int, body: list[str]) -> SafeString:
    # Every text below went through escape().
    return mark_safe(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{uid}-t {uid}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def line_chart(
    uid: str, title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]]
) -> SafeString:
    """Lines over time, one per series, with a legend, y ticks and a few x labels."""
    top = _nice_max(max((max(v, default=0) for _n, v in series), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(len(labels), 1)

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    body = []
    for frac in (0, 0.5, 1):
        value = top * frac
        body.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="#d6dae3" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11">'
            f"{value:g}</text>"
        )
    for i in sorted({0, n // 2, n - 1}):
        if i < len(labels):
            # The first and last labels align inwards so that they are not cut.
            anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
            body.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="{anchor}" '
                f'font-size="11">{escape(labels[i])}</text>'
            )
    descs = []
    for k, (name, values) in enumerate(series):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        dash = f' stroke-dasharray="{DASHES[k % 4]}"' if DASHES[k % 4] else ""
        colour = COLOURS[k % 4]
        body.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash} points="{points}"/>'
        )
        lx = LEFT + 150 * k
        body.append(
            f'<line x1="{lx}" x2="{lx + 24}" y1="{HEIGHT - 8}" y2="{HEIGHT - 8}" '
            f'stroke="{colour}" stroke-width="2"{dash}/>'
            f'<text x="{lx + 30}" y="{HEIGHT - 4}" font-size="12">{escape(name)}</text>'
        )
        descs.append(f"{name}: {sum(values):g}")
    return _svg(uid, title, "; ".join(descs), HEIGHT, body)


def bar_chart(uid: str, title: str, rows: Sequence[tuple[str, float]]) -> SafeString:
    """Horizontal bars, largest first, the value written at the end of each bar."""
    rows = list(rows)[:15]
    top = max((v for _l, v in rows), default=0) or 1
    label_w, row_h = 200, 22
    height = max(row_h * len(rows) + 8, 30)
    body = []
    for i, (label, value) in enumerate(rows):
        y = 4 + i * row_h
        width = (WIDTH - label_w - 60) * value / top
        short = label if len(label) <= 30 else label[:29] + "…"
        body.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="12">'
            f"{escape(short)}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{width:.1f}" height="{row_h - 8}" '
            f'fill="{COLOURS[0]}"/>'
            f'<text x="{label_w + width + 6:.1f}" y="{y + 14}" font-size="12">{value:g}</text>'
        )
    desc = "; ".join(f"{label}: {value:g}" for label, value in rows)
    return _svg(uid, title, desc, height, body)


def number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0
