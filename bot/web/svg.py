"""Charts as inline SVG drawn on the server: no script, no external file, readable without colour
(each series also has a pattern-free distinct shade and a legend; every chart has a data table next
to it). Styling comes from classes in dashboard.css, so the strict CSP needs no inline style.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 480, 220
LEFT, RIGHT, TOP, BOTTOM = 34, 6, 12, 42


def _scale(value: float) -> tuple[int, int]:
    """(top, step) for a y axis from 0: whole steps of 1, 2 or 5 × 10^n, at most five of them."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if value <= step * factor * 5:
                step *= factor
                return max(step, int(math.ceil(value / step)) * step), step
        step *= 10


def _fmt(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def bar_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *,
              label_id: str, every: int = 1) -> Markup:
    """Vertical bars, one group per label, one bar per series (classes s0, s1…)."""
    top, step = _scale(max((v or 0 for _, values in series for v in values), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(labels), 1)
    bar_w = group_w * 0.7 / max(len(series), 1)
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{label_id}" '
             f'focusable="false" preserveAspectRatio="xMidYMid meet">']
    for value in range(0, top + 1, step):
        y = TOP + plot_h - plot_h * value / top
        parts.append(f'<line class="gridline" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(value)}</text>')
    for g, label in enumerate(labels):
        x0 = LEFT + g * group_w + group_w * 0.15
        for s, (_name, values) in enumerate(series):
            value = values[g] or 0
            h = plot_h * value / top
            x = x0 + s * bar_w
            parts.append(f'<rect class="bar s{s}" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" '
                         f'height="{h:.1f}"/>')
        if g % every == 0:
            parts.append(f'<text class="axis" x="{x0 + bar_w * len(series) / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    if len(series) > 1:
        x = LEFT
        for s, (name, _values) in enumerate(series):
            parts.append(f'<rect class="bar s{s}" x="{x}" y="{HEIGHT - 14}" width="10" height="10"/>')
            parts.append(f'<text class="legend" x="{x + 14}" y="{HEIGHT - 5}">{escape(name)}</text>')
            x += 14 + 7 * len(name) + 20
    parts.append("</svg>")
    return Markup("".join(parts))


def share_bars(rows: Sequence[tuple[str, float | None, str]], *, label_id: str, maximum: float = 1.0,
               shades: bool = False) -> Markup:
    """Horizontal bars (label above, value from 0 to `maximum`, text at the bar's end); `shades`
    gives each row its own colour (s0, s1…), else all share the first."""
    row_h, text_w = 44, 110
    height = row_h * len(rows) + 4
    plot_w = WIDTH - text_w
    parts = [f'<svg class="chart hbars" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{label_id}" '
             f'focusable="false" preserveAspectRatio="xMidYMid meet">']
    for i, (label, value, text) in enumerate(rows):
        y = i * row_h
        w = plot_w * min(value or 0, maximum) / maximum if maximum else 0
        parts.append(f'<text class="axis" x="0" y="{y + 15}">{escape(label)}</text>')
        parts.append(f'<rect class="track" x="0" y="{y + 21}" width="{plot_w}" height="18" rx="3"/>')
        parts.append(f'<rect class="bar s{i % 4 if shades else 0}" x="0" y="{y + 21}" width="{w:.1f}" height="18" '
                     f'rx="3"/>')
        parts.append(f'<text class="value" x="{w + 6:.1f}" y="{y + 35}">{escape(text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
