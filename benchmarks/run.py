"""`make bench`: every benchmark, a table, benchmarks/results.json, and a non-zero exit when a target is missed.

    .venv/bin/python benchmarks/run.py                 # everything, full scale (about 10 minutes on 2 cores)
    .venv/bin/python benchmarks/run.py --only routing  # one benchmark
    .venv/bin/python benchmarks/run.py --scale tiny    # the smoke run `make test` does, in seconds

Each figure is the median of several runs, measured next to its baseline in the same run, so the
ratios hold on a noisy machine. Generated communities are cached in benchmarks/data/ (git-ignored).
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import Result, Scale, machine, workdir  # noqa: E402

BENCHMARKS = ("routing", "activity", "weekly_jobs", "vitality", "startup", "end_to_end", "outcomes", "postgres",
              "network", "network_routing")
RESULTS = Path(__file__).resolve().parent / "results.json"


def run_benchmark(name: str, scale: Scale) -> list[Result]:
    """One benchmark module's rows; a crash becomes a failed row instead of hiding the others."""
    module = importlib.import_module(f"benchmarks.bench_{name}")
    work = workdir(f"entraide-bench-{name}-")
    if hasattr(os, "sync"):
        os.sync()  # what the previous benchmark wrote is on disk: its writeback is not timed here
    try:
        return module.run(scale, work)
    except Exception as exc:  # a crash is a missed target, with its reason in the table
        traceback.print_exc()
        return [Result(name, None, None, "", ok=False, note=f"crashed: {type(exc).__name__}: {exc}")]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _fmt(x: float | None) -> str:
    if x is None:
        return "—"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def table(rows: list[Result]) -> str:
    """A Markdown table (printed, and pasted as is into docs/PERFORMANCE.md)."""
    head = ["benchmark", "n", "value", "baseline", "ratio", "target", "ok"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        ok = {True: "yes", False: "**NO**", None: "—"}[r.ok]
        value = f"{_fmt(r.value)} {r.unit}" if r.value is not None else (r.note or "—")
        base = f"{_fmt(r.baseline_value)} ({r.baseline})" if r.baseline else "—"
        ratio = f"{_fmt(r.ratio)}x" if r.ratio is not None else "—"
        lines.append(f"| {r.name} | {r.n if r.n is not None else '—'} | {value} | {base} | {ratio} | "
                     f"{r.target or '—'} | {ok} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="entraide benchmarks")
    parser.add_argument("--only", nargs="*", choices=BENCHMARKS, help="run only these benchmarks")
    parser.add_argument("--scale", choices=("full", "tiny"), default="full")
    parser.add_argument("--data-dir", type=Path, help="where generated communities are cached")
    parser.add_argument("--repeats", type=int, help="runs per figure (median); default 3 at full scale")
    parser.add_argument("-o", "--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    if args.scale == "tiny":
        scale = Scale.tiny(args.data_dir or Path(workdir("entraide-bench-data-")))
    else:
        scale = Scale.full()
        if args.data_dir:
            scale = _replace(scale, data_dir=args.data_dir)
    if args.repeats:
        scale = _replace(scale, repeats=args.repeats)
    started = time.perf_counter()
    date = datetime.now(UTC).isoformat(timespec="seconds")
    host = f"{machine()}, load average {os.getloadavg()[0]:.1f} at start"  # others' work skews absolute figures
    print(f"entraide benchmarks, {scale.name} scale — {host} — {date}", flush=True)
    rows: list[Result] = []
    for name in args.only or BENCHMARKS:
        print(f"- {name} …", flush=True)
        t0 = time.perf_counter()
        found = run_benchmark(name, scale)
        rows.extend(found)
        print(f"  {time.perf_counter() - t0:.1f}s: "
              + "; ".join(f"{r.name} = {_fmt(r.value)} {r.unit}" for r in found), flush=True)
    print()
    print(table(rows))
    print(f"\n{len(rows)} figures in {time.perf_counter() - started:.0f}s; results in {args.output}")
    args.output.write_text(
        json.dumps([r.as_json(host, date) for r in rows], indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    missed = [r for r in rows if r.ok is False]
    if missed:
        print("Targets missed: " + ", ".join(f"{r.name} (n={r.n})" for r in missed), file=sys.stderr)
        return 1
    return 0


def _replace(scale: Scale, **changes: object) -> Scale:
    from dataclasses import replace

    return replace(scale, **changes)  # type: ignore[arg-type]


if __name__ == "__main__":
    raise SystemExit(main())
