"""Start-up: from spawning `entraide console --jsonl` to its `ready` line, on a 100k-member database.

Two situations, each on a fresh copy of the generated community:
- restart: the bot ran until a moment ago, so every job period inside the catch-up grace is already
  recorded in job_run (what a real restart sees); the target applies here;
- catch-up: the bot was down for the whole grace window (6 h by default) and runs every missed period
  before `ready` (reported, so its cost is visible).
The baseline is the same command on an empty database: the part of start-up that is only Python
imports and opening a file.
"""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

from benchmarks.common import ROOT, Result, Scale, at_most, fresh_copy, median, open_community, result
from benchmarks.generate import DEFAULT_NOW

NAME = "startup"
CONFIG = ROOT / "config.example.toml"
READY_TIMEOUT = 45.0


def console_command(db: Path, start: str = DEFAULT_NOW) -> list[str]:
    """The console as a user starts it (`python -m bot` is `entraide`, without relying on the venv's script)."""
    return [sys.executable, "-m", "bot", "console", "--jsonl", "--config", str(CONFIG), "--db", str(db),
            "--start", start]


def seconds_to_ready(db: Path, start: str = DEFAULT_NOW) -> float | None:
    """Spawn the console, time the `ready` line (None: not ready within READY_TIMEOUT), then let it stop."""
    started = time.perf_counter()
    proc = subprocess.Popen(console_command(db, start), cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None and proc.stdin is not None
    killer = threading.Timer(READY_TIMEOUT, proc.kill)  # a start-up stuck in catch-up must not stall the bench
    killer.start()
    try:
        for line in proc.stdout:
            if '"ready"' in line:
                return time.perf_counter() - started
        if time.perf_counter() - started >= READY_TIMEOUT:
            return None
        raise RuntimeError(f"console exited before ready: {proc.stderr.read() if proc.stderr else ''}")
    finally:
        killer.cancel()
        proc.stdin.close()
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def mark_recent_periods_done(db: Path, start: str = DEFAULT_NOW) -> int:
    """Record every job period inside the grace window as run: the state a bot leaves when stopped just now."""
    from bot.app import collect_jobs
    from storage import jobs as jobs_repo

    ctx = await open_community(db, start)
    try:
        now = ctx.now()
        grace = timedelta(hours=ctx.config.schedule.catch_up_grace_hours)
        marked = 0
        async with ctx.db.transaction() as tx:
            for job in collect_jobs(ctx):
                if job.next_due is not None:
                    continue  # reminders: idempotent by their own rows, nothing due in the generated data
                for fire_time in job.fire_times_between(now - grace, now):
                    key = job.key(ctx, fire_time)
                    if not await jobs_repo.has_run(tx, key):
                        await jobs_repo.record_run(tx, key, job.name, ctx.now_ts())
                        marked += 1
        return marked
    finally:
        await ctx.db.close()


async def _create_empty(path: Path) -> None:
    from storage.database import open_database

    db = await open_database(path)
    await db.close()


def run(scale: Scale, workdir: Path) -> list[Result]:
    n = scale.startup_size
    source = scale.community(n)
    restart, catch_up, empty = [], [], []
    empty_source = workdir / "empty-source.sqlite"
    asyncio.run(_create_empty(empty_source))
    for repeat in range(scale.repeats + 1):
        db = fresh_copy(source, workdir, "startup.sqlite")
        asyncio.run(mark_recent_periods_done(db))
        warm = seconds_to_ready(db)
        db = fresh_copy(source, workdir, "startup.sqlite")
        cold = seconds_to_ready(db) if warm is not None else None
        blank = seconds_to_ready(fresh_copy(empty_source, workdir, "empty.sqlite"))
        if warm is None or cold is None:
            restart.append(warm)
            catch_up.append(cold)
            empty.append(blank or 0.0)
            break  # not ready within the limit: once is enough to know
        if repeat:  # the first round only warms the page cache and the bytecode cache
            restart.append(warm)
            catch_up.append(cold)
            empty.append(blank or 0.0)
    for leftover in workdir.glob("startup.sqlite*"):
        leftover.unlink()
    for leftover in workdir.glob("empty*"):
        leftover.unlink()
    base = median(empty)
    extra = {"runs": len(restart)}
    rows = []
    for name, times, target, note in (
        ("start-up to ready (restart)", restart, at_most(2, "s"), ""),
        ("start-up to ready (6 h catch-up)", catch_up, None, "every job period of the grace window run before ready"),
    ):
        if None in times:
            rows.append(Result(name, n, None, "s", baseline="empty database", baseline_value=base,
                               target=target.text if target else None, ok=False if target else None,
                               note=f"not ready within {READY_TIMEOUT:g} s", extra=extra))
        else:
            rows.append(result(name, n, median(times), "s", baseline="empty database", baseline_value=base,
                               target=target, extra=extra, note=note))
    return rows
