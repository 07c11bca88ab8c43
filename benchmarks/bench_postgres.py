"""PostgreSQL next to SQLite, in the same run, on the largest generated community (copied with
`entraide migrate-to`'s code, whose throughput is reported too): routing p50/p99 (both engines must
pick the same helpers for the same requests), activity ingestion, one period of the weekly jobs,
start-up (open and migrate-check). Each step runs on both engines in the same order, so both hold
the same rows at every step.

Then two processes sharing a network of `network_communities` communities on one PostgreSQL
database against one process: each child runs one period of every community's weekly jobs
(benchmarks/bench_network.py), the second child going through the communities last to first, so the
two meet in the middle; a period already claimed by the other (its job_run key) is skipped. The
figure is the wall-clock span of the jobs (first start to last end) of one process over that of two;
job_run rows and outbox keys are counted to show that nothing ran twice. The cores and the load
average are reported beside it: on a machine whose cores are busy with other work, two processes
cannot show their gain, and the row says so with its figures.

Needs a server: ENTRAIDE_TEST_DATABASE_URL (`make bench` runs under scripts/with-postgres); without
one the rows say so and fail nothing.
"""
from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_routing import insert_new_requests, route_sql
from benchmarks.common import (
    ROOT,
    Result,
    Scale,
    at_least_ratio,
    at_most_value,
    fresh_copy,
    median,
    open_community,
    percentile,
    result,
)

NAME = "postgres"
TARGET_P99_RATIO = 2.0  # routing p99 on PostgreSQL at most twice SQLite's
TARGET_TWO_PROCESSES = 1.6  # two processes on one network's weekly jobs at least 1.6x one
CHILD_TIMEOUT = 1200.0
WARM_UP = 20  # every statement of both engines planned and cached, as in a bot that has run for a while
# Routing decisions per engine and run: p99 of 200 was the second slowest decision, one stray pause
# of the machine; 3x the routing benchmark's count, the median of `repeats` runs' percentiles.
ROUTING_SAMPLES_FACTOR = 3


async def _admin(server: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(server)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _copy_to_pg(source: Path, server: str, name: str) -> tuple[str, float, int]:
    from storage.copy import copy_database
    from storage.database import Database
    from storage.postgres import PgDatabase

    await _admin(server, f"DROP DATABASE IF EXISTS {name}")
    await _admin(server, f"CREATE DATABASE {name}")
    url = server.rsplit("/", 1)[0] + "/" + name
    lite, pg = Database(source), PgDatabase(url)
    await lite.connect()
    await lite.migrate()
    await pg.connect()
    await pg.migrate()
    try:
        started = time.perf_counter()
        counts = await copy_database(lite, pg, say=lambda _line: None)
        seconds = time.perf_counter() - started
        assert pg.conn is not None
        await pg.conn.raw.execute("VACUUM (ANALYZE)")  # what autovacuum does after a bulk load: index-only scans
    finally:
        await pg.close()
        await lite.close()
    return url, seconds, sum(counts.values())


async def _routing(lite: Path, url: str, samples: int) -> dict[str, Any]:
    """The same decisions on both engines, taken in turn (which engine goes first alternates), so
    both meet the same moments of the machine's load: on a shared machine a load that came and went
    between an all-SQLite phase and an all-PostgreSQL phase decided the ratio before. Wall time and
    this process's CPU time (PostgreSQL's server work is in the server's processes, not here)."""
    contexts = {"sqlite": await open_community(lite), "postgresql": await open_community(url)}  # type: ignore[arg-type]
    try:
        ids = {engine: await insert_new_requests(ctx, samples) for engine, ctx in contexts.items()}
        assert ids["sqlite"] == ids["postgresql"], "both engines' copies hand out the same request ids"
        for request_id in ids["sqlite"][:WARM_UP]:  # page cache, zone tables, prepared statements
            for ctx in contexts.values():
                await route_sql(ctx, request_id)
        gc.collect()  # the set-up's garbage is not collected inside a timed decision
        found: dict[str, Any] = {f"{e}_{k}": [] for e in contexts for k in ("ms", "cpu_ms")}
        picked: dict[str, dict[int, list[int]]] = {e: {} for e in contexts}
        for i, request_id in enumerate(ids["sqlite"]):
            for engine in ("sqlite", "postgresql") if i % 2 == 0 else ("postgresql", "sqlite"):
                wall, cpu = time.perf_counter(), time.process_time()
                picked[engine][request_id] = await route_sql(contexts[engine], request_id)
                found[f"{engine}_ms"].append((time.perf_counter() - wall) * 1000)
                found[f"{engine}_cpu_ms"].append((time.process_time() - cpu) * 1000)
        found["differ"] = sum(1 for k, v in picked["sqlite"].items() if v != picked["postgresql"].get(k))
        found["load"] = os.getloadavg()[0]
        return found
    finally:
        for ctx in contexts.values():
            await ctx.db.close()


async def _startup(target: Path | str, repeats: int = 5) -> float:
    from storage.database import open_database

    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        db = await open_database(target)
        await db.close()
        times.append((time.perf_counter() - started) * 1000)
    return median(times)


async def _ingest(target: Path | str, events: list[tuple[str, int]]) -> float:
    from benchmarks.bench_activity import ingest_real

    return len(events) / await ingest_real(target, events)  # type: ignore[arg-type]


async def _weekly(target: Path | str) -> float:
    from benchmarks.bench_weekly_jobs import run_jobs

    report = await run_jobs(target)  # type: ignore[arg-type]
    if "missing" in report:
        raise RuntimeError(f"weekly jobs not registered: {report['missing']}")
    return float(report["seconds"])


async def _counts(url: str) -> dict[str, int]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return {"job_run": await conn.fetchval("SELECT COUNT(*) FROM job_run"),
                "outbox": await conn.fetchval("SELECT COUNT(*) FROM outbox"),
                "outbox_keys_twice": await conn.fetchval(
                    "SELECT COUNT(*) FROM (SELECT key FROM outbox WHERE key IS NOT NULL GROUP BY key "
                    "HAVING COUNT(*) > 1) d")}
    finally:
        await conn.close()


def _network_children(url: str, communities: int, orders: list[str]) -> list[dict[str, Any]]:
    """Each order in a child process of its own, started together; their reports."""
    procs = [subprocess.Popen([sys.executable, "-m", "benchmarks.bench_network", url, str(communities), order],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for order in orders]
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=CHILD_TIMEOUT)
        if proc.returncode != 0:
            raise RuntimeError(f"network jobs child failed ({proc.returncode}): {err[-2000:]}")
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


def two_processes(scale: Scale, workdir: Path, server: str) -> list[Result]:
    """One process against two on one PostgreSQL copy of the network (a fresh copy for each run)."""
    from benchmarks.bench_network import network_data

    members, communities = scale.network_members, scale.network_communities
    source = fresh_copy(network_data(scale, members, communities), workdir, f"pg-net-{members}.sqlite")
    template, _s, _rows = asyncio.run(_copy_to_pg(source, server, f"entraide_bench_net_{os.getpid()}"))
    name = template.rsplit("/", 1)[-1]
    spans: dict[int, float] = {}
    counts: dict[int, dict[str, int]] = {}
    ran: dict[int, int] = {}
    load: dict[int, float] = {}
    try:
        for processes in (1, 2):
            copy = f"{name}_{processes}"
            asyncio.run(_admin(server, f"DROP DATABASE IF EXISTS {copy}"))
            asyncio.run(_admin(server, f"CREATE DATABASE {copy} TEMPLATE {name}"))
            url = server.rsplit("/", 1)[0] + "/" + copy
            before = asyncio.run(_counts(url))
            reports = _network_children(url, communities, ["forward", "reverse"][:processes])
            load[processes] = os.getloadavg()[0]
            spans[processes] = max(r["ended_at"] for r in reports) - min(r["started_at"] for r in reports)
            ran[processes] = sum(j["communities_ran"] for r in reports for j in r["jobs"].values())
            after = asyncio.run(_counts(url))
            counts[processes] = {k: after[k] - before[k] for k in after}
            asyncio.run(_admin(server, f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)"))
    finally:
        asyncio.run(_admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    once = (counts[1]["job_run"] == counts[2]["job_run"] == ran[1] == ran[2]
            and counts[2]["outbox"] == counts[1]["outbox"] and counts[2]["outbox_keys_twice"] == 0)
    ratio = spans[1] / spans[2] if spans[2] else None
    cores = os.cpu_count() or 0
    note = (f"{cores} cores, load average {load[1]:.1f} (one) and {load[2]:.1f} (two); periods run "
            f"{ran[1]} and {ran[2]}, job_run rows {counts[1]['job_run']} and {counts[2]['job_run']}, outbox rows "
            f"{counts[1]['outbox']} and {counts[2]['outbox']} ({counts[2]['outbox_keys_twice']} keys twice)")
    if load[2] >= cores:
        note += "; the cores were busy with other work during the run: two processes had no idle core to use"
    target = at_least_ratio(TARGET_TWO_PROCESSES, f">= {TARGET_TWO_PROCESSES:g}x one process, nothing run twice")
    return [Result(f"two processes vs one, network weekly jobs ({communities} communities)", members,
                   round(spans[2], 3), "s", "one process", round(spans[1], 3),
                   round(ratio, 3) if ratio else None, target.text,
                   bool(once and ratio is not None and ratio >= TARGET_TWO_PROCESSES), note,
                   {"cores": cores, "load_one": round(load[1], 2), "load_two": round(load[2], 2), "counts": counts,
                    "periods_run": ran, "nothing_twice": once})]


def run(scale: Scale, workdir: Path) -> list[Result]:
    server = os.environ.get("ENTRAIDE_TEST_DATABASE_URL", "")
    n = max(scale.routing_sizes)
    target = at_most_value(TARGET_P99_RATIO, f"PostgreSQL p99 <= {TARGET_P99_RATIO:g}x SQLite's")
    if not server:
        return [Result("routing p99 PostgreSQL vs SQLite", n, None, "ms", target=target.text, ok=None,
                       note="no PostgreSQL server: run through scripts/with-postgres (make bench does)")]
    from benchmarks.bench_activity import event_stream

    source = fresh_copy(scale.community(n), workdir, f"pg-{n}.sqlite")
    url, copy_s, rows = asyncio.run(_copy_to_pg(source, server, f"entraide_bench_{os.getpid()}"))
    lite = fresh_copy(source, workdir, f"pg-r-{n}.sqlite")  # the same steps as PostgreSQL, in the same order
    try:
        runs = [asyncio.run(_routing(lite, url, scale.routing_samples * ROUTING_SAMPLES_FACTOR))
                for _run in range(scale.repeats)]
        differ = sum(r["differ"] for r in runs)
        events = event_stream(source, scale.events)
        lite_ingest = asyncio.run(_ingest(lite, events))
        pg_ingest = asyncio.run(_ingest(url, events))
        lite_weekly = asyncio.run(_weekly(lite))
        pg_weekly = asyncio.run(_weekly(url))
        lite_start = asyncio.run(_startup(source))
        pg_start = asyncio.run(_startup(url))
    finally:
        asyncio.run(_admin(server, f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[-1]} WITH (FORCE)"))

    def pct(key: str, q: float) -> float:
        return median([percentile(r[key], q) for r in runs])

    lite_p99, pg_p99 = pct("sqlite_ms", 99), pct("postgresql_ms", 99)
    p99_ratio = pg_p99 / lite_p99
    loads = [round(r["load"], 2) for r in runs]
    extra: dict[str, Any] = {"sqlite_p50_ms": round(pct("sqlite_ms", 50), 3), "sqlite_p99_ms": round(lite_p99, 3),
                             "postgresql_p50_ms": round(pct("postgresql_ms", 50), 3),
                             "postgresql_p99_ms": round(pg_p99, 3),
                             "sqlite_cpu_p99_ms": round(pct("sqlite_cpu_ms", 99), 3),
                             "postgresql_client_cpu_p99_ms": round(pct("postgresql_cpu_ms", 99), 3),
                             "runs": len(runs), "samples_per_run": len(runs[0]["sqlite_ms"]),
                             "requests_routed_differently": differ, "load_average": loads}
    return [
        Result("routing p99 PostgreSQL vs SQLite", n, round(p99_ratio, 3), "x", "SQLite p99",
               round(lite_p99, 3), None, target.text, p99_ratio <= TARGET_P99_RATIO and differ == 0,
               f"p50 {pct('postgresql_ms', 50):.2f} ms vs {pct('sqlite_ms', 50):.2f} ms; decisions taken in turn, "
               f"median of {len(runs)} runs; load average {', '.join(map(str, loads))}; "
               f"{differ} requests routed differently", extra),
        result("routing p99 on PostgreSQL", n, pg_p99, "ms", baseline="SQLite", baseline_value=lite_p99),
        result("routing p50 on PostgreSQL", n, pct("postgresql_ms", 50), "ms", baseline="SQLite",
               baseline_value=pct("sqlite_ms", 50)),
        result("activity ingestion on PostgreSQL", n, pg_ingest, "events/s", baseline="SQLite",
               baseline_value=lite_ingest, higher_is_better=True, extra={"events": len(events)}),
        result("weekly jobs on PostgreSQL (one period of each)", n, pg_weekly, "s", baseline="SQLite",
               baseline_value=lite_weekly),
        result("migrate-to throughput", rows, rows / copy_s if copy_s else None, "rows/s"),
        result("start-up on PostgreSQL (open + migration check)", n, pg_start, "ms", baseline="SQLite",
               baseline_value=lite_start),
        *two_processes(scale, workdir, server),
    ]
