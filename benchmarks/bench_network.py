"""Weekly jobs of a network (issue 22): 300 communities sharing 100,000 members, against one community of 100,000.

The network is the generated 100k community split into `network_communities` places: each member goes
to community `c<k>` (k = id mod C), with everything tied to them (requests, thanks, reminders, cases,
events…), and each community gets its own copy of the skills its members use (skills are per
community). The child process (`python -m benchmarks.bench_network DB C`) builds one context per
community exactly as bot/runtime.py does (own config, `<id>/` keys) and runs one period of each weekly
job for every community through Scheduler.run_jobs — the production path (the alarm clock runs a job
due alike in every community of a process as one group: Scheduler._on_alarm). The baseline is the same
three jobs on the unsplit community, in its own child (bench_weekly_jobs.measure), in the same run;
which of the two goes first alternates from run to run. Target: the network's wall time within 3x the
single community's; the same in process CPU time (both threads), which the machine's load does not
inflate (on a busy machine the wall time is mostly waiting: for a core at each of the network's
thousands of round trips to the database thread, and for the disk at each of its 300 commits).
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, Result, Scale, at_least_ratio, fresh_copy, median, result, unavailable

NAME = "network"
JOBS = ("newcomer-checkins", "weekly-nudges", "weekly-digest")
CHILD_TIMEOUT = 600.0
TARGET_TIMES = 3.0  # the network's weekly jobs within 3x one community of the same size


def community_key(index: int) -> str:
    return f"c{index:03d}"


# Splitting one generated community into a network ------------------------------------------------

# Rows tied to a member follow that member's community: (table, the member column).
BY_MEMBER = (("request", "requester_id"), ("kudos", "from_id"), ("reminder", "created_by"),
             ("mod_case", "target_id"), ("event", "created_by"), ("proposal", "author_id"),
             ("dashboard_link", "member_id"), ("dashboard_session", "member_id"))


def split(source: Path, target: Path, communities: int) -> None:
    """Copy `source` (one community, key `console`) into `target` as a network of `communities` places."""
    shutil.copyfile(source, target)
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("BEGIN")
        conn.execute("UPDATE member SET guild_id = printf('c%03d', id % ?)", (communities,))
        for table, column in BY_MEMBER:
            conn.execute(f"UPDATE {table} SET guild_id = COALESCE((SELECT m.guild_id FROM member m "  # noqa: S608
                         f"WHERE m.id = {table}.{column}), printf('c%03d', {table}.rowid % ?))", (communities,))
        conn.execute("UPDATE poll SET guild_id = printf('c%03d', id % ?)", (communities,))
        # Skills are per community: each community gets a copy of every skill, its members' links move to it.
        skills = conn.execute("SELECT id, key, display FROM skill WHERE guild_id = 'console'").fetchall()
        copies: dict[tuple[int, str], int] = {}
        for index in range(communities):
            key = community_key(index)
            for skill_id, skill_key, display in skills:
                cur = conn.execute("INSERT INTO skill (guild_id, key, display) VALUES (?, ?, ?)",
                                   (key, skill_key, display))
                copies[(skill_id, key)] = int(cur.lastrowid or 0)
        conn.execute("CREATE TEMP TABLE skill_copy (old INTEGER, guild TEXT, new INTEGER, PRIMARY KEY (old, guild))")
        conn.executemany("INSERT INTO skill_copy VALUES (?, ?, ?)", [(o, g, n) for (o, g), n in copies.items()])
        conn.execute("UPDATE member_skill SET skill_id = (SELECT c.new FROM skill_copy c JOIN member m "
                     "ON m.guild_id = c.guild WHERE c.old = member_skill.skill_id AND m.id = member_skill.member_id)")
        conn.execute("UPDATE request_skill SET skill_id = (SELECT c.new FROM skill_copy c JOIN request r "
                     "ON r.guild_id = c.guild WHERE c.old = request_skill.skill_id "
                     "AND r.id = request_skill.request_id)")
        conn.execute("DELETE FROM skill WHERE guild_id = 'console'")
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def network_data(scale: Scale, members: int, communities: int) -> Path:
    """The split network, cached next to the generated community it comes from."""
    source = scale.community(members)
    target = source.with_name(source.stem + f"-network{communities}.sqlite")
    if not target.exists():
        partial = target.with_suffix(".partial")
        split(source, partial, communities)
        partial.rename(target)
    return target


# The child: every community's weekly jobs --------------------------------------------------------


async def run_network_jobs(db: Path | str, communities: int, reverse: bool = False,
                           one_by_one: bool = False) -> dict[str, Any]:
    """One period of each weekly job for every community; `reverse`: the communities last to first
    (a second process sharing a PostgreSQL network meets the first in the middle, bench_postgres);
    `one_by_one`: Scheduler.run_job for each community, its own transaction (tests: the same rows)."""
    from datetime import datetime

    from benchmarks.common import DEFAULT_NOW, community_config
    from bot.app import collect_jobs
    from bot.clock import SimulatedClock
    from bot.config import parse_config
    from bot.context import Community
    from bot.i18n import Translator
    from bot.network import Network
    from bot.network_config import community_configs
    from bot.scheduler import Scheduler
    from storage.database import open_database

    base = community_config().model_dump()
    base["communities"] = [{"id": community_key(i), "name": f"Lieu {i}"} for i in range(communities)]
    config = parse_config(base)
    db_handle = await open_database(db, synchronous=config.database.synchronous)
    clock = SimulatedClock(datetime.fromisoformat(DEFAULT_NOW))
    try:
        contexts = [Community(db=db_handle, clock=clock, config=own, guild_id=entry.platform_key, id=entry.id,
                              key_prefix=f"{entry.id}/", i18n=Translator(own.community.locale, own.community.timezone))
                    for entry, own in community_configs(config)]
        network = Network(config.network, contexts)
        for ctx in contexts:
            ctx.network = network
        scheduler = Scheduler(contexts[0], [], dispatcher=None)  # type: ignore[arg-type]
        per_ctx = []
        for ctx in contexts:
            jobs = {job.name: job for job in collect_jobs(ctx)}
            missing = [name for name in JOBS if name not in jobs]
            if missing:
                return {"missing": missing}
            scheduler.add(ctx, list(jobs.values()))
            per_ctx.append((ctx, jobs))
        now = clock.now()
        first_jobs = per_ctx[0][1]
        due = sorted([(await first_jobs[name].next_fire(contexts[0], now), name) for name in JOBS])
        report: dict[str, Any] = {"jobs": {}, "started_at": time.time()}
        total = cpu_total = 0.0
        for fire_time, name in due:
            clock.set(fire_time)
            started, cpu = time.perf_counter(), time.process_time()
            # As the alarm clock runs a job due alike in every community (Scheduler._on_alarm): together.
            runs = [(ctx, jobs[name]) for ctx, jobs in (per_ctx[::-1] if reverse else per_ctx)]
            if one_by_one:
                ran = sum([await scheduler.run_job(job, fire_time, ctx) for ctx, job in runs])
            else:
                ran = await scheduler.run_jobs(runs, fire_time)
            elapsed = time.perf_counter() - started
            total += elapsed
            cpu_total += time.process_time() - cpu
            report["jobs"][name] = {"seconds": round(elapsed, 4), "cpu_seconds": round(time.process_time() - cpu, 4),
                                    "communities_ran": ran}
        report["seconds"] = total
        report["ended_at"] = time.time()  # wall-clock span of two processes sharing the work (bench_postgres)
        report["cpu_seconds"] = cpu_total
        return report
    finally:
        await db_handle.close()


def measure_network(db: Path, communities: int) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_network", str(db), str(communities)], cwd=ROOT,
                          capture_output=True, text=True, timeout=CHILD_TIMEOUT)
    if proc.returncode != 0:
        raise RuntimeError(f"network jobs child failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(scale: Scale, workdir: Path) -> list[Result]:
    from benchmarks.bench_weekly_jobs import measure

    members, communities = scale.network_members, scale.network_communities
    source = network_data(scale, members, communities)
    single: list[dict[str, Any]] = []
    network: list[dict[str, Any]] = []
    load = [round(os.getloadavg()[0], 1)]
    for repeat in range(scale.repeats):
        # Which goes first alternates, so a machine whose load drifts during the run favours neither.
        for side in ("single", "network") if repeat % 2 == 0 else ("network", "single"):
            if side == "single":
                baseline = measure(fresh_copy(scale.community(members), workdir, f"single-{members}.sqlite"))
                if "missing" in baseline or "timeout" in baseline:
                    why = "the single community's weekly jobs did not run: " + json.dumps(baseline)[:200]
                    return [unavailable("network weekly jobs", members, "s", why)]
                single.append(baseline)
            else:
                report = measure_network(fresh_copy(source, workdir, f"network-{members}.sqlite"), communities)
                if "missing" in report:
                    why = "jobs not registered: " + ", ".join(report["missing"])
                    return [unavailable("network weekly jobs", members, "s", why)]
                network.append(report)
    load.append(round(os.getloadavg()[0], 1))
    target = at_least_ratio(1 / TARGET_TIMES, f"<= {TARGET_TIMES:g}x the baseline")
    extra = {"jobs": network[-1]["jobs"], "single_jobs": single[-1]["jobs"], "runs": len(network),
             "load_average": load}
    baseline = f"one community of {members:,}"
    return [
        result(f"network weekly jobs ({communities} communities)", members, median([r["seconds"] for r in network]),
               "s", baseline=baseline, baseline_value=median([r["seconds"] for r in single]), target=target,
               extra=extra),
        result(f"network weekly jobs CPU ({communities} communities)", members,
               median([r["cpu_seconds"] for r in network]), "s", baseline=baseline,
               baseline_value=median([r["cpu_seconds"] for r in single]), target=target),
    ]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    target = sys.argv[1] if sys.argv[1].startswith("postgres") else Path(sys.argv[1])
    print(json.dumps(asyncio.run(run_network_jobs(target, int(sys.argv[2]), "reverse" in sys.argv[3:]))))
