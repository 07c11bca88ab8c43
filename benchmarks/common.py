"""What every benchmark shares: the scale, results with their targets, timing statistics, a community context."""
from __future__ import annotations

import math
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import DEFAULT_NOW, GUILD, Spec, cached  # noqa: E402
from bot.clock import SimulatedClock  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.context import Community  # noqa: E402
from bot.i18n import Translator  # noqa: E402
from storage.database import open_database  # noqa: E402


@dataclass(frozen=True)
class Scale:
    """How big each benchmark runs: `full` for `make bench`, `tiny` for the smoke test in `make test`."""

    name: str
    routing_sizes: tuple[int, ...]
    routing_samples: int  # routing decisions timed per size (p99 needs at least 100)
    baseline_samples: int  # the Python baseline is slow: fewer samples, same requests
    events: int  # activity ingestion events
    naive_events: int  # the one-transaction-per-event baseline, extrapolated to events/s
    weekly_sizes: tuple[int, ...]
    vitality_size: int
    startup_size: int
    e2e_events: int
    repeats: int  # medians of this many runs
    data_dir: Path
    outcome_members: int = 300  # the routing outcome simulation (bench_outcomes)
    outcome_weeks: int = 8
    outcome_seeds: tuple[int, ...] = (1, 2, 3)
    network_members: int = 100_000  # the network benchmark: members split across communities
    network_communities: int = 300

    @classmethod
    def full(cls) -> Scale:
        return cls("full", (1_000, 10_000, 100_000), 200, 25, 200_000, 3_000, (10_000, 100_000), 100_000,
                   100_000, 2_000, 3, Path(__file__).resolve().parent / "data")

    @classmethod
    def tiny(cls, data_dir: Path) -> Scale:
        return cls("tiny", (200, 400), 20, 5, 2_000, 100, (200, 400), 300, 300, 60, 1, data_dir, 40, 1, (1,), 400, 4)

    def community(self, members: int, open_requests: int | None = None) -> Path:
        return cached(Spec(members, open_requests), self.data_dir)


@dataclass(frozen=True)
class Target:
    """A pass mark on one field of a result: `value` or `ratio`, compared with `<=` or `>=`."""

    on: str
    op: str
    threshold: float
    text: str

    def met(self, value: float | None, ratio: float | None) -> bool | None:
        measured = value if self.on == "value" else ratio
        if measured is None:
            return None
        return measured <= self.threshold if self.op == "<=" else measured >= self.threshold


def at_most(threshold: float, unit: str) -> Target:
    return Target("value", "<=", threshold, f"<= {threshold:g} {unit}")


def at_least_ratio(threshold: float, text: str | None = None) -> Target:
    return Target("ratio", ">=", threshold, text or f"ratio >= {threshold:g}")


def at_most_value(threshold: float, text: str) -> Target:
    return Target("value", "<=", threshold, text)


@dataclass
class Result:
    """One row of the table and of results.json.

    `ratio` says how many times better the value is than the baseline: baseline/value for times,
    value/baseline for rates, so a ratio above 1 always means "better than the baseline".
    """

    name: str
    n: int | None
    value: float | None
    unit: str
    baseline: str | None = None
    baseline_value: float | None = None
    ratio: float | None = None
    target: str | None = None
    ok: bool | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self, machine: str, date: str) -> dict[str, Any]:
        data = asdict(self)
        data.update(machine=machine, date=date)
        if not data["extra"]:
            data.pop("extra")
        if not data["note"]:
            data.pop("note")
        return data


def result(
    name: str, n: int | None, value: float | None, unit: str, *, baseline: str | None = None,
    baseline_value: float | None = None, higher_is_better: bool = False, target: Target | None = None,
    note: str = "", extra: dict[str, Any] | None = None,
) -> Result:
    ratio = None
    if value and baseline_value:
        ratio = value / baseline_value if higher_is_better else baseline_value / value
    ok = target.met(value, ratio) if target else None
    return Result(name, n, _round(value), unit, baseline, _round(baseline_value), _round(ratio),
                  target.text if target else None, ok, note, extra or {})


def unavailable(name: str, n: int | None, unit: str, why: str, target: Target | None = None) -> Result:
    """A benchmark whose code under test has not landed yet: a clear row, ok=None, never a failure."""
    return Result(name, n, None, unit, target=target.text if target else None, ok=None,
                  note=f"not yet available: {why}")


def _round(x: float | None) -> float | None:
    if x is None:
        return None
    return float(f"{x:.4g}")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): p99 of 300 samples is the 297th smallest."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


def fresh_copy(source: Path, workdir: Path, name: str) -> Path:
    """A private copy of a generated community, so a benchmark's writes never touch the cache."""
    target = workdir / name
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, target)
    # Written to disk before anything is timed: otherwise the copy's writeback (a 100k community is
    # ~220 MB) competes with the fsync of the first transaction the benchmark commits.
    with target.open("rb+") as copied:
        os.fsync(copied.fileno())
    return target


def community_config() -> Config:
    return Config()


async def open_community(db_path: Path, now: str = DEFAULT_NOW, config: Config | None = None) -> Community:
    """The same Community an Engine builds, on a simulated clock, without a transport."""
    config = config or community_config()
    db = await open_database(db_path, synchronous=config.database.synchronous)
    clock = SimulatedClock(datetime.fromisoformat(now))
    return Community(db=db, clock=clock, config=config,
                     i18n=Translator(config.community.locale, config.community.timezone), guild_id=GUILD)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")


def workdir(prefix: str = "entraide-bench-") -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))
