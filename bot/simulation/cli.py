"""`entraide simulate`: the comparison table for a synthetic community, or a copy of a real one's shape.

    entraide simulate                                   # 300 members, 8 weeks, seeds 1 2 3
    entraide simulate --members 80 --weeks 2 --seeds 1  # quicker
    entraide simulate --shape-from entraide.sqlite --set requests.helpers_per_round=5
    entraide simulate --fatigue 0.3 --night 0.8         # another response model
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tomllib
from collections.abc import Callable
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

from bot.config import Config, ConfigError, load_config, parse_config
from bot.simulation.baselines import POLICIES
from bot.simulation.response import ResponseModel
from bot.simulation.shape import Shape, shape_from_database


def _overrides(config: Config, settings: list[str]) -> Config:
    """`--set section.key=value` (value in TOML syntax; a bare word is a string) over the config."""
    data: dict[str, Any] = config.model_dump()
    for item in settings:
        key, sep, raw = item.partition("=")
        parts = key.strip().split(".")
        if not sep or len(parts) != 2 or not all(parts):
            raise ConfigError(f"--set {item}: expected section.key=value, e.g. requests.helpers_per_round=5.")
        try:
            value = tomllib.loads(f"v = {raw.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw.strip()
        section = data.get(parts[0])
        if not isinstance(section, dict):
            raise ConfigError(f"--set {item}: unknown section '{parts[0]}' (see config.example.toml).")
        section[parts[1]] = value
    return parse_config(data, "--set")


def cmd_simulate(args: argparse.Namespace) -> int:
    from bot.simulation.runner import compare

    config = _overrides(load_config(args.config) if args.config else Config(), args.set or [])
    if args.shape_from:
        path = Path(args.shape_from)
        if not path.is_file():
            print(f"--shape-from: no such file {path}", file=sys.stderr)
            return 2
        shape = shape_from_database(path, weeks=args.weeks or 8)
        if args.members:
            shape = shape.scaled(args.members)
    else:
        shape = Shape().scaled(args.members or 300, args.weeks or 8)
    model = replace(ResponseModel(), **{f.name: getattr(args, f.name) for f in fields(ResponseModel)
                                        if getattr(args, f.name) is not None})
    seeds = tuple(args.seeds or (1, 2, 3))
    baselines = tuple(b for b in (args.baselines or ",".join(POLICIES)).split(",") if b)
    unknown = [b for b in baselines if b not in POLICIES]
    if unknown:
        print(f"--baselines: unknown {', '.join(unknown)} (choose among {', '.join(POLICIES)})", file=sys.stderr)
        return 2
    result = asyncio.run(compare(shape, model, seeds, config, baselines=baselines))
    if args.json:
        print(json.dumps({"shape": {k: v for k, v in asdict(shape).items() if k != "extra"},
                          "model": asdict(model), "seeds": list(seeds),
                          "policies": [asdict(m) for m in result.combined],
                          "per_seed": {str(s): [asdict(m) for m in rows] for s, rows in result.per_seed.items()}},
                         ensure_ascii=False, indent=2, default=str))
    else:
        print(result.table())
        print(f"\nResponse model: {', '.join(f'{k}={v}' for k, v in asdict(model).items())}")
    return 0


def add_simulate_command(add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add("simulate", cmd_simulate, "how help requests find helpers: the bot next to simple baselines")
    p.add_argument("--members", type=int, help="community size (default 300, or the copied shape's)")
    p.add_argument("--weeks", type=int, help="weeks simulated (default 8)")
    p.add_argument("--seeds", type=int, nargs="+", help="seeds (default 1 2 3); each is a whole run")
    p.add_argument("--shape-from", help="copy the counts (never names or messages) of a community's database")
    p.add_argument("--set", action="append", metavar="SECTION.KEY=VALUE",
                   help="a configuration value to try, e.g. requests.helpers_per_round=5 (repeatable)")
    p.add_argument("--baselines", help=f"comma list among {', '.join(POLICIES)} (default: all)")
    p.add_argument("--json", action="store_true", help="print the measures as JSON")
    for f in fields(ResponseModel):
        p.add_argument(f"--{f.name.replace('_', '-')}", dest=f.name, type=float,
                       help=f"response model: {f.name} (default {f.default})")
