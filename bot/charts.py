"""Charts as PNG files (matplotlib, Agg backend): services return data, this renders pictures."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _pyplot() -> Any:
    """matplotlib is imported on first use: it costs seconds, and start-up must stay fast."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _target(filename: str, directory: Path) -> Path:
    """A folder of the managed temp folder (bot/tempfiles.py: removed once delivered), never a loose
    temporary folder that would outlive the message."""
    return directory / filename


def bar_chart(labels: list[str], values: list[float], title: str, filename: str = "chart.png", *,
              directory: Path) -> Path:
    """Horizontal bars, one per label (e.g. votes per nominee)."""
    path = _target(filename, directory)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, max(2.0, 0.5 * len(labels) + 1)), dpi=100)
    ax.barh(labels[::-1], values[::-1], color="#3b7dd8")
    ax.set_title(title)
    ax.xaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
    return path


def line_chart(x_labels: list[str], series: dict[str, list[float]], title: str,
               filename: str = "chart.png", *, directory: Path) -> Path:
    """Several weekly series on one chart (e.g. active members, requests opened and resolved)."""
    path = _target(filename, directory)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.5), dpi=100)
    for name, values in series.items():
        ax.plot(x_labels, values, marker="o", label=name)
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize="small")
    ax.tick_params(axis="x", labelrotation=45, labelsize="small")
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
    return path


@dataclass(frozen=True)
class Panel:
    """One indicator of a small-multiples chart: its own panel, its own scale, counts on whole numbers."""

    title: str  # e.g. "membres actifs"
    values: list[int]
    unit: str  # the y axis label, e.g. "personnes"


PANEL_COLORS = ("#2f6fbf", "#2e9e6a", "#d9822b", "#8a5cc2", "#c0392b", "#5d6d7e")
MAX_X_TICKS = 6


def week_ticks(count: int, most: int = MAX_X_TICKS) -> list[int]:
    """Which of `count` weeks get a date under the axis: at most `most`, evenly spaced, the last included."""
    if count <= most:
        return list(range(count))
    step = -(-(count - 1) // (most - 1))
    ticks = list(range(count - 1, -1, -step))[::-1]
    return ticks[-most:]


def small_multiples_figure(x_labels: list[str], panels: list[Panel], title: str, x_label: str) -> Any:
    """The figure behind `small_multiples` (returned so tests can check what is drawn)."""
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    cols = 2 if len(panels) > 1 else 1
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 2.8 * rows + 0.6), dpi=100, sharex=True, squeeze=False)
    xs = list(range(len(x_labels)))
    ticks = week_ticks(len(x_labels))
    for index, ax in enumerate(axes.flat):
        if index >= len(panels):
            ax.set_visible(False)
            continue
        panel = panels[index]
        color = PANEL_COLORS[index % len(PANEL_COLORS)]
        ax.plot(xs, panel.values, color=color, linewidth=2, marker="o" if len(xs) <= 16 else None, markersize=4,
                label=panel.title)
        ax.fill_between(xs, panel.values, color=color, alpha=0.12, linewidth=0)
        top = max(panel.values, default=0)
        ax.set_ylim(0, max(1, top) * 1.18)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4, min_n_ticks=2))
        ax.set_title(panel.title, loc="left", fontsize=11, fontweight="bold")
        ax.set_ylabel(panel.unit)
        ax.grid(axis="y", alpha=0.3)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if xs:
            ax.annotate(str(panel.values[-1]), (xs[-1], panel.values[-1]), textcoords="offset points",
                        xytext=(0, 6), ha="center", fontsize=9, color=color)
        ax.set_xlim(-0.5, max(len(xs) - 0.5, 0.5))
        ax.set_xticks(ticks, [x_labels[i] for i in ticks])
        ax.tick_params(axis="x", labelsize="small", labelbottom=True)
        if index >= len(panels) - cols:
            ax.set_xlabel(x_label)
    fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    return fig


def small_multiples(x_labels: list[str], panels: list[Panel], title: str, x_label: str,
                    filename: str = "chart.png", *, directory: Path) -> Path:
    """One panel per indicator (vitality): series never hide each other, each keeps a readable scale."""
    path = _target(filename, directory)
    fig = small_multiples_figure(x_labels, panels, title, x_label)
    fig.savefig(path, format="png")
    _pyplot().close(fig)
    return path
