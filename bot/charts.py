"""Charts as PNG files (matplotlib, Agg backend): services return data, this renders pictures."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any


def _pyplot() -> Any:
    """matplotlib is imported on first use: it costs seconds, and start-up must stay fast."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _target(filename: str, directory: Path | None) -> Path:
    """Callers pass a folder of the managed temp folder (bot/tempfiles.py: removed once delivered)."""
    folder = directory or Path(tempfile.mkdtemp(prefix="entraide-chart-"))
    return folder / filename


def bar_chart(labels: list[str], values: list[float], title: str, filename: str = "chart.png",
              directory: Path | None = None) -> Path:
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
               filename: str = "chart.png", directory: Path | None = None) -> Path:
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
