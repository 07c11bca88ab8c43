"""PostgreSQL next to SQLite, in the same run: routing p50/p99 on the largest generated community
(copied with `entraide migrate-to`'s code, whose throughput is reported too), and start-up (open and
migrate-check). Routing also checks that both engines pick the same helpers for the same requests.

Needs a server: ENTRAIDE_TEST_DATABASE_URL (`make bench` runs under scripts/with-postgres); without
one the rows say so and fail nothing. Not measured here yet: ingestion and weekly jobs on
PostgreSQL, and two processes against one (see docs/SCALING.md).
"""
from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_routing import insert_new_requests, route_sql
from benchmarks.common import Result, Scale, at_most_value, fresh_copy, median, open_community, percentile, result

NAME = "postgres"
TARGET_P99_RATIO = 2.0  # routing p99 on PostgreSQL at most twice SQLite's


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
        await pg.conn.raw.execute("ANALYZE")
    finally:
        await pg.close()
        await lite.close()
    return url, seconds, sum(counts.values())


async def _routing(target: Path | str, samples: int) -> tuple[list[float], dict[int, list[int]]]:
    ctx = await open_community(target)  # type: ignore[arg-type]
    try:
        ids = await insert_new_requests(ctx, samples)
        for request_id in ids[:5]:
            await route_sql(ctx, request_id)
        times, picked = [], {}
        for request_id in ids:
            started = time.perf_counter()
            picked[request_id] = await route_sql(ctx, request_id)
            times.append((time.perf_counter() - started) * 1000)
        return times, picked
    finally:
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


def run(scale: Scale, workdir: Path) -> list[Result]:
    server = os.environ.get("ENTRAIDE_TEST_DATABASE_URL", "")
    n = max(scale.routing_sizes)
    target = at_most_value(TARGET_P99_RATIO, f"PostgreSQL p99 <= {TARGET_P99_RATIO:g}x SQLite's")
    if not server:
        return [Result("routing p99 PostgreSQL vs SQLite", n, None, "ms", target=target.text, ok=None,
                       note="no PostgreSQL server: run through scripts/with-postgres (make bench does)")]
    source = fresh_copy(scale.community(n), workdir, f"pg-{n}.sqlite")
    url, copy_s, rows = asyncio.run(_copy_to_pg(source, server, f"entraide_bench_{os.getpid()}"))
    try:
        lite_ms, lite_picked = asyncio.run(_routing(fresh_copy(source, workdir, f"pg-r-{n}.sqlite"),
                                                    scale.routing_samples))
        pg_ms, pg_picked = asyncio.run(_routing(url, scale.routing_samples))
        differ = sum(1 for k in lite_picked if lite_picked[k] != pg_picked.get(k))
        lite_start = asyncio.run(_startup(source))
        pg_start = asyncio.run(_startup(url))
    finally:
        asyncio.run(_admin(server, f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[-1]} WITH (FORCE)"))
    p99_ratio = percentile(pg_ms, 99) / percentile(lite_ms, 99)
    extra: dict[str, Any] = {"sqlite_p50_ms": round(percentile(lite_ms, 50), 3),
                             "sqlite_p99_ms": round(percentile(lite_ms, 99), 3),
                             "postgresql_p50_ms": round(percentile(pg_ms, 50), 3),
                             "postgresql_p99_ms": round(percentile(pg_ms, 99), 3),
                             "requests_routed_differently": differ}
    return [
        Result("routing p99 PostgreSQL vs SQLite", n, round(p99_ratio, 3), "x", "SQLite p99",
               round(percentile(lite_ms, 99), 3), None, target.text,
               p99_ratio <= TARGET_P99_RATIO and differ == 0,
               f"p50 {percentile(pg_ms, 50):.2f} ms vs {percentile(lite_ms, 50):.2f} ms; "
               f"{differ} requests routed differently", extra),
        result("routing p99 on PostgreSQL", n, percentile(pg_ms, 99), "ms", baseline="SQLite",
               baseline_value=percentile(lite_ms, 99)),
        result("migrate-to throughput", rows, rows / copy_s if copy_s else None, "rows/s"),
        result("start-up on PostgreSQL (open + migration check)", n, pg_start, "ms", baseline="SQLite",
               baseline_value=lite_start),
    ]
