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


def _nice_max(value: float) -> float:
    """A round top for the y axis (1, 2, 5 × 10^n), at least 1."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _fmt(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def bar_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *,
              label_id: str, every: int = 1) -> Markup:
    """Vertical bars, one group per label, one bar per series (classes s0, s1…)."""
    top = _nice_max(max((v or 0 for _, values in series for v in values), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(labels), 1)
    bar_w = group_w * 0.7 / max(len(series), 1)
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{label_id}" '
             f'focusable="false" preserveAspectRatio="xMidYMid meet">']
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
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


def share_bars(rows: Sequence[tuple[str, float | None, str]], *, label_id: str, maximum: float = 1.0) -> Markup:
    """Horizontal bars (label, value, text shown at the bar's end), values from 0 to `maximum`."""
    row_h, label_w, text_w = 30, 150, 78
    height = row_h * len(rows) + 8
    plot_w = WIDTH - label_w - text_w
    parts = [f'<svg class="chart hbars" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{label_id}" '
             f'focusable="false" preserveAspectRatio="xMidYMid meet">']
    for i, (label, value, text) in enumerate(rows):
        y = 4 + i * row_h
        w = plot_w * (value or 0) / maximum if maximum else 0
        parts.append(f'<text class="axis" x="{label_w - 8}" y="{y + 19}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect class="track" x="{label_w}" y="{y + 4}" width="{plot_w}" height="20"/>')
        parts.append(f'<rect class="bar s{i % 4 if label_id.startswith("orbit") else 0}" x="{label_w}" '
                     f'y="{y + 4}" width="{w:.1f}" height="20"/>')
        parts.append(f'<text class="value" x="{label_w + w + 6:.1f}" y="{y + 19}">{escape(text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
