"""One comparison: for each seed, a timeline played by the bot and by each baseline; measures per
policy, averaged over the seeds."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from bot.config import Config
from bot.simulation.baselines import POLICIES, run_baseline
from bot.simulation.engine_run import run_engine
from bot.simulation.population import build_timeline
from bot.simulation.report import Measures, combine, measure, table
from bot.simulation.response import ResponseModel
from bot.simulation.shape import Shape


@dataclass(frozen=True)
class Comparison:
    shape: Shape
    model: ResponseModel
    seeds: tuple[int, ...]
    per_seed: dict[int, list[Measures]]
    combined: list[Measures]

    def table(self) -> str:
        s = self.shape
        title = (f"{s.members} members, {s.weeks} weeks, {s.requests_per_week:g} requests a week, "
                 f"seeds {', '.join(map(str, self.seeds))} (means over the seeds; counts summed)")
        return table(self.combined, title)

    def bot(self) -> Measures:
        return self.combined[0]


def default_config() -> Config:
    return Config()


async def compare(
    shape: Shape, model: ResponseModel, seeds: tuple[int, ...], config: Config | None = None,
    workdir: Path | None = None, baselines: tuple[str, ...] = POLICIES, k: int | None = None,
) -> Comparison:
    config = config or default_config()
    k = k or config.requests.helpers_per_round
    per_seed: dict[int, list[Measures]] = {}
    for seed in seeds:
        timeline = build_timeline(shape, seed, model)
        outcome = await run_engine(timeline, model, config, workdir)
        rows = [measure(outcome, timeline)]
        for policy in baselines:
            rows.append(measure(run_baseline(policy, timeline, model, k=k,
                                             rounds=config.requests.escalate_after_rounds,
                                             round_hours=config.requests.round_after_hours,
                                             urgent_round_hours=config.requests.urgent_round_after_hours), timeline))
        per_seed[seed] = rows
    combined = [combine([per_seed[s][i] for s in seeds]) for i in range(len(baselines) + 1)]
    return Comparison(shape, model, seeds, per_seed, combined)


def compare_sync(*args: object, **kwargs: object) -> Comparison:
    return asyncio.run(compare(*args, **kwargs))  # type: ignore[arg-type]
