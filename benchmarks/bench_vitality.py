"""Vitality: every indicator of `vitality` on 100k members with a year of activity.

Times `bot.services.vitality.compute_indicators` (the figures and the weekly series behind the
chart; drawing the PNG happens at the edge and is not counted) over the default 30-day window and
over a whole year, on committed data, after one warm-up call (a running bot has its pages cached).
"""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Result, Scale, at_most, fresh_copy, median, open_community, result, unavailable

NAME = "vitality"
TARGET_SECONDS = 1.0
WINDOWS = (30, 365)


def _available() -> str | None:
    try:
        from bot.services import vitality
    except ImportError as exc:
        return f"vitality service not importable ({exc})"
    if not hasattr(vitality, "compute_indicators"):
        return "bot.services.vitality.compute_indicators missing"
    return None


async def measure(db: Path, repeats: int) -> dict[int, Any]:
    from bot.services.vitality import compute_indicators

    ctx = await open_community(db)
    try:
        await compute_indicators(ctx, WINDOWS[0])
        found: dict[int, Any] = {}
        for days in WINDOWS:
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                indicators = await compute_indicators(ctx, days)
                times.append(time.perf_counter() - started)
            found[days] = {"seconds": median(times), "data": _summary(indicators)}
        return found
    finally:
        await ctx.db.close()


def _summary(indicators: Any) -> dict[str, Any]:
    data = indicators.as_data() if hasattr(indicators, "as_data") else {}
    return {k: v for k, v in data.items() if k in ("active_members", "newcomers", "retention_30d",
                                                    "requests_opened", "requests_resolved")}


def run(scale: Scale, workdir: Path) -> list[Result]:
    n = scale.vitality_size
    missing = _available()
    if missing:
        return [unavailable(f"vitality ({days} days)", n, "s", missing, at_most(TARGET_SECONDS, "s"))
                for days in WINDOWS]
    db = fresh_copy(scale.community(n), workdir, "vitality.sqlite")
    found = asyncio.run(measure(db, max(3, scale.repeats)))
    return [result(f"vitality ({days} days)", n, found[days]["seconds"], "s", target=at_most(TARGET_SECONDS, "s"),
                   extra={"indicators": found[days]["data"]}) for days in WINDOWS]
