"""Weekly jobs on a whole community: digest, nudges and check-ins producing their outbox rows.

Each size runs in its own subprocess (`python -m benchmarks.bench_weekly_jobs DB`) so its peak RSS
is its own: the child reports its VmHWM (/proc/self/status: its peak since it started its program).
The parent's os.wait4 rusage is only a fallback: ru_maxrss also counts what the parent had resident
when it forked (after generating a 100k community in-process, that alone is ~260 MB).
The child opens the community, takes the jobs the Engine would collect (bot.app.collect_jobs), and
runs one period of each through Scheduler.run_job at its next due time — the exact production path:
period key, job body and outbox rows in one transaction. Wall time is the sum of the three runs.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, Result, Scale, at_most, fresh_copy, median, open_community, result, unavailable

NAME = "weekly_jobs"
JOBS = ("newcomer-checkins", "weekly-nudges", "weekly-digest")
TARGET_SECONDS = 5.0
TARGET_RSS_MB = 300.0
CHILD_TIMEOUT = 90.0  # a run slower than this is stopped, so `make bench` stays near ten minutes
REPEAT_BUDGET = 45.0  # seconds per size after which no further repeat is started


async def run_jobs(db: Path) -> dict[str, Any]:
    """One period of each weekly job, in due order; seconds and outbox rows per job."""
    from bot.app import collect_jobs
    from bot.scheduler import Scheduler

    ctx = await open_community(db)
    try:
        jobs = {job.name: job for job in collect_jobs(ctx)}
        missing = [name for name in JOBS if name not in jobs]
        if missing:
            return {"missing": missing}
        scheduler = Scheduler(ctx, list(jobs.values()), dispatcher=None)  # type: ignore[arg-type]
        now = ctx.now()
        due = sorted([(await jobs[name].next_fire(ctx, now), name) for name in JOBS])
        report: dict[str, Any] = {"jobs": {}}
        total = cpu_total = 0.0
        for fire_time, name in due:
            ctx.clock.set(fire_time)  # type: ignore[attr-defined]
            before = await _outbox_count(ctx)
            started, cpu = time.perf_counter(), time.process_time()
            ran = await scheduler.run_job(jobs[name], fire_time)
            elapsed = time.perf_counter() - started
            total += elapsed
            cpu_total += time.process_time() - cpu
            report["jobs"][name] = {"seconds": round(elapsed, 4), "outbox_rows": await _outbox_count(ctx) - before,
                                    "ran": ran, "at": fire_time.isoformat()}
            print(json.dumps({"finished": name, **report["jobs"][name]}), flush=True)  # survives a timeout
        report["seconds"] = total
        report["cpu_seconds"] = cpu_total  # both threads (the loop's and the database's): what load cannot inflate
        return report
    finally:
        await ctx.db.close()


async def _outbox_count(ctx: Any) -> int:
    row = await ctx.db.fetchone("SELECT COUNT(*) FROM outbox")
    return int(row[0])


def measure(db: Path, timeout: float = CHILD_TIMEOUT) -> dict[str, Any]:
    """Run the jobs in a child process; its report plus its own peak RSS in MB (or the timeout it hit)."""
    out_path, err_path = db.with_suffix(".out"), db.with_suffix(".err")
    with out_path.open("wb") as out_file, err_path.open("wb") as err_file:  # files: a full pipe cannot block it
        proc = subprocess.Popen([sys.executable, "-m", "benchmarks.bench_weekly_jobs", str(db)], cwd=ROOT,
                                stdout=out_file, stderr=err_file)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    out, err = out_path.read_text(), err_path.read_text()
    if proc.returncode == -signal.SIGKILL:
        finished = [json.loads(line) for line in out.splitlines() if line.startswith('{"finished"')]
        return {"timeout": timeout, "rss_mb": usage.ru_maxrss / 1024, "finished": finished}
    if proc.returncode != 0:
        raise RuntimeError(f"weekly jobs child failed ({proc.returncode}): {err[-2000:]}")
    report = json.loads(out.strip().splitlines()[-1])
    # The child's own high-water mark; ru_maxrss (kilobytes on Linux) also counts what the parent had
    # resident when it forked (this process may hold a freshly generated community), so only a fallback.
    report["rss_mb"] = report.pop("own_peak_kb", usage.ru_maxrss) / 1024
    return report


def own_peak_kb() -> int | None:
    """This process's peak resident memory since it started its program (VmHWM), None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def run(scale: Scale, workdir: Path) -> list[Result]:
    by_n: dict[int, dict[str, Any]] = {}
    for n in scale.weekly_sizes:
        runs = []
        size_started = time.perf_counter()
        for _ in range(scale.repeats):
            if runs and time.perf_counter() - size_started > REPEAT_BUDGET:
                break  # slow enough that one more run only costs time: the median of fewer runs
            db = fresh_copy(scale.community(n), workdir, f"weekly-{n}.sqlite")
            report = measure(db)
            if "missing" in report:
                why = "jobs not registered yet: " + ", ".join(report["missing"])
                big = max(scale.weekly_sizes)
                return [unavailable("weekly jobs wall", big, "s", why, at_most(TARGET_SECONDS, "s")),
                        unavailable("weekly jobs peak RSS", big, "MB", why, at_most(TARGET_RSS_MB, "MB"))]
            if "timeout" in report:
                return rows_for_timeout(scale, n, report, by_n)
            runs.append(report)
        by_n[n] = {"seconds": median([r["seconds"] for r in runs]), "rss": median([r["rss_mb"] for r in runs]),
                   "jobs": runs[-1]["jobs"], "runs": len(runs)}
    sizes = sorted(by_n)
    big, small = sizes[-1], sizes[0]
    rows = []
    for n in sizes:
        is_big = n == big
        extra = {"jobs": by_n[n]["jobs"], "runs": by_n[n]["runs"]}
        rows.append(result("weekly jobs wall", n, by_n[n]["seconds"], "s",
                           target=at_most(TARGET_SECONDS, "s") if is_big else None, extra=extra))
        rows.append(result("weekly jobs peak RSS", n, by_n[n]["rss"], "MB",
                           target=at_most(TARGET_RSS_MB, "MB") if is_big else None))
    if len(sizes) >= 2 and by_n[small]["seconds"]:
        rows.append(result(f"weekly jobs growth {small:,}→{big:,}", big, by_n[big]["seconds"] / by_n[small]["seconds"],
                           "x", note=f"members x{big // small}"))
    return rows


def rows_for_timeout(scale: Scale, n: int, report: dict[str, Any], by_n: dict[int, dict[str, Any]]) -> list[Result]:
    """The jobs did not finish in time at size n: a failed row with the bound, plus what smaller sizes gave."""
    rows = [result("weekly jobs wall", m, found["seconds"], "s", extra={"jobs": found["jobs"]})
            for m, found in sorted(by_n.items())]
    big = n == max(scale.weekly_sizes)
    rows.append(Result("weekly jobs wall", n, None, "s", target=f"<= {TARGET_SECONDS:g} s", ok=False if big else None,
                       note=f"stopped after {report['timeout']:g} s without finishing; finished before: "
                       + (", ".join(f"{j['finished']} {j['seconds']:.1f} s" for j in report["finished"]) or "none"),
                       extra={"finished": report["finished"]}))
    rows.append(result("weekly jobs peak RSS", n, report["rss_mb"], "MB", note="until stopped",
                       target=at_most(TARGET_RSS_MB, "MB") if big else None))
    return rows


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    child_report = asyncio.run(run_jobs(Path(sys.argv[1])))
    peak = own_peak_kb()
    if peak is not None:
        child_report["own_peak_kb"] = peak
    print(json.dumps(child_report))
