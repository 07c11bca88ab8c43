"""Routing outcomes: does a help request find a helper, quickly, without wearing out the same people?

`entraide simulate` at the scale's size (300 members, 8 weeks, seeds 1 2 3 at full scale): the bot
through its real services on the simulated clock, next to broadcast / random-k / top-k on the same
arrivals and the same answers. No timing here: the figures are outcomes, deterministic per seed."""
from __future__ import annotations

import asyncio
from pathlib import Path

from benchmarks.common import Result, Scale, Target, result
from bot.simulation.report import Measures
from bot.simulation.response import ResponseModel
from bot.simulation.runner import compare
from bot.simulation.shape import Shape


def _at_least(threshold: float, text: str) -> Target:
    return Target("value", ">=", threshold, text)


def _at_most(threshold: float, text: str) -> Target:
    return Target("value", "<=", threshold, text)


def _extra(measures: list[Measures]) -> dict[str, dict[str, float | int | None]]:
    return {m.policy: {"claimed_24h": m.claimed_24h, "claimed_ever": m.claimed_ever,
                       "median_first_claim_h": m.median_first_claim_h, "pings": m.pings,
                       "max_over_median": m.max_over_median, "gini": m.gini, "night_share": m.night_share,
                       "wasted_share": m.wasted_share} for m in measures}


def run(scale: Scale, work: Path) -> list[Result]:
    shape = Shape().scaled(scale.outcome_members, scale.outcome_weeks)
    comparison = asyncio.run(compare(shape, ResponseModel(), scale.outcome_seeds, workdir=work))
    bot, *bases = comparison.combined
    by = {m.policy: m for m in bases}
    n = shape.members
    extra = {"policies": _extra(comparison.combined), "table": comparison.table()}
    # A target missed at tiny scale says nothing: the targets are for the default community.
    full = scale.outcome_members >= 300
    rows = [
        result("outcomes: claimed within 24 h", n, 100 * bot.claimed_24h, "%", baseline="broadcast",
               baseline_value=100 * by["broadcast"].claimed_24h, higher_is_better=True,
               target=_at_least(90, ">= 90 %") if full else None, extra=extra),
        result("outcomes: pings at night", n, 100 * bot.night_share, "%", baseline="random-k",
               baseline_value=100 * by["random-k"].night_share, target=_at_most(4.999, "< 5 %") if full else None),
        result("outcomes: max / median pings per offerer", n, bot.max_over_median, "x", baseline="random-k",
               baseline_value=by["random-k"].max_over_median, target=_at_most(2.5, "<= 2.5x") if full else None),
        result("outcomes: 'nobody offers' said when someone does", n, float(bot.nobody_wrong), "requests",
               target=_at_most(0, "0") if full else None),
        result("outcomes: median time to first claim", n, bot.median_first_claim_h, "h", baseline="broadcast",
               baseline_value=by["broadcast"].median_first_claim_h),
        result("outcomes: pings per request", n, bot.pings_per_request, "pings", baseline="broadcast",
               baseline_value=by["broadcast"].pings_per_request),
    ]
    print(comparison.table(), flush=True)
    return rows
