"""Routing: the latency of one `request new` routing decision at 1k, 10k and 100k members.

A decision is what `bot.services.requests.route_round` does before it records the pings: compute the
query's parameters (`route_params`), load the requester and run the routing query for their languages
(`storage.routing.route_request`; on PostgreSQL one call to the server). New requests are inserted
first, with skill sets drawn like real ones (copied from the generated history, so popular skills
come up as often as they do in a community); each is routed against the committed state, read-only,
so every sample sees the same community.

The baseline applies the same rules by loading the candidates into Python: every member offering
one of the skills, with their pings, then filtering and sorting in Python. It also checks that both
pick the same helpers, so the benchmark doubles as a cross-check of the SQL.
"""
from __future__ import annotations

import asyncio
import json
import random
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.common import (
    Result,
    Scale,
    Target,
    at_least_ratio,
    at_most,
    fresh_copy,
    median,
    open_community,
    percentile,
    result,
    unavailable,
)

NAME = "routing"
TARGET_P99_MS = 10.0
TARGET_SPEEDUP = 20.0
TARGET_GROWTH = 5.0  # "well under 10x" from 10k to 100k members (10x would be linear)


def _available() -> str | None:
    try:
        from bot.services import requests as service
        from storage import routing as repo
    except ImportError as exc:
        return f"requests service not importable ({exc})"
    for owner, name in ((service, "route_params"), (repo, "route_candidates")):
        if not hasattr(owner, name):
            return f"{owner.__name__}.{name} missing"
    return None


async def insert_new_requests(ctx: Any, count: int, seed: int = 5) -> list[int]:
    """`count` fresh open requests (not yet pinged) with skill sets copied from the history."""
    rng = random.Random(seed)
    conn = ctx.db.reader
    async with conn.execute("SELECT request_id, skill_id FROM request_skill ORDER BY request_id, skill_id") as cur:
        by_request: dict[int, list[int]] = {}
        for request_id, skill_id in await cur.fetchall():
            by_request.setdefault(request_id, []).append(skill_id)
    async with conn.execute("SELECT id FROM member WHERE left_at IS NULL AND charter_accepted_at IS NOT NULL "
                            "ORDER BY id") as cur:
        requesters = [row[0] for row in await cur.fetchall()]
    skill_sets = list(by_request.values())
    ids = []
    async with ctx.db.transaction() as tx:
        for i in range(count):
            cur = await tx.execute(
                "INSERT INTO request (guild_id, requester_id, title, details, urgent, created_at) "
                "VALUES (?, ?, ?, '', ?, ?)",
                (ctx.guild_id, rng.choice(requesters), f"bench {i}", int(rng.random() < 0.1), ctx.now_ts()))
            ids.append(cur.lastrowid)
            await tx.executemany("INSERT INTO request_skill (request_id, skill_id) VALUES (?, ?)",
                                 [(cur.lastrowid, s) for s in rng.choice(skill_sets)])
    return ids


async def route_sql(ctx: Any, request_id: int) -> list[int]:
    """One routing decision through the real code (route_round's), on committed data."""
    from bot.services.requests import route_params
    from storage import requests as requests_repo
    from storage import routing as routing_repo

    conn = ctx.db.reader
    request = await requests_repo.by_id(conn, ctx.guild_id, request_id)
    _requester, helpers = await routing_repo.route_request(conn, route_params(ctx, request, None))
    return [h.id for h in helpers]


_ZONES: dict[str, ZoneInfo] = {}


def _hour(tz: str, now: datetime) -> int:
    zone = _ZONES.get(tz)
    if zone is None:
        zone = _ZONES[tz] = ZoneInfo(tz)
    return now.astimezone(zone).hour


def _quiet(start: int | None, end: int | None, hour: int) -> bool:
    if start is None or end is None or start == end:
        return False
    return start <= hour < end if start < end else (hour >= start or hour < end)


async def route_python(ctx: Any, request_id: int) -> list[int]:
    """The baseline: the same rules, candidates loaded into Python and filtered and sorted there."""
    cfg = ctx.config.requests
    conn = ctx.db.reader
    now = ctx.now()
    now_ts = ctx.now_ts()
    fair_since = now_ts - cfg.fairness_window_days * 86400
    fatigue_since = now_ts - cfg.fatigue_window_days * 86400
    async with conn.execute("SELECT requester_id, urgent FROM request WHERE id = ?", (request_id,)) as cur:
        requester_id, urgent = await cur.fetchone()
    async with conn.execute("SELECT languages FROM member WHERE id = ?", (requester_id,)) as cur:
        row = await cur.fetchone()
    wanted_langs = {x.strip().lower() for x in (row[0] if row else "").split(",") if x.strip()}
    async with conn.execute("SELECT skill_id FROM request_skill WHERE request_id = ?", (request_id,)) as cur:
        skills = [r[0] for r in await cur.fetchall()]
    marks = ",".join("?" * len(skills))
    async with conn.execute(
        "SELECT m.id, m.guild_id, m.left_at, m.erased, m.active, m.available, m.charter_accepted_at, m.timezone, "
        "m.languages, m.quiet_start, m.quiet_end, m.joined_at, ms.skill_id "
        "FROM member_skill ms JOIN member m ON m.id = ms.member_id "
        f"WHERE ms.kind = 'offer' AND ms.skill_id IN ({marks})",
        skills,
    ) as cur:
        rows = await cur.fetchall()
    async with conn.execute(
        "SELECT helper_id, request_id, at FROM request_ping WHERE helper_id IN "
        f"(SELECT member_id FROM member_skill WHERE kind = 'offer' AND skill_id IN ({marks}))", skills,
    ) as cur:
        pings = await cur.fetchall()
    async with conn.execute("SELECT helper_id FROM request_helper WHERE request_id = ?", (request_id,)) as cur:
        helpers = {r[0] for r in await cur.fetchall()}
    matched: dict[int, list[Any]] = {}
    for r in rows:
        if r[0] in matched:
            matched[r[0]][-1] += 1
        else:
            matched[r[0]] = [*r[:12], 1]
    recent: dict[int, int] = {}
    fatigue: dict[int, int] = {}
    last: dict[int, int] = {}
    pinged_here: set[int] = set()
    for helper_id, ping_request, at in pings:
        if ping_request == request_id:
            pinged_here.add(helper_id)
        if at >= fair_since:
            recent[helper_id] = recent.get(helper_id, 0) + 1
        if at >= fatigue_since:
            fatigue[helper_id] = fatigue.get(helper_id, 0) + 1
        if at > last.get(helper_id, -1):
            last[helper_id] = at
    community_tz = ctx.config.community.timezone
    eligible = []
    for mid, guild, left_at, erased, active, available, accepted, tz, langs, qs, qe, joined_at, count in (
            matched.values()):
        if (guild != ctx.guild_id or left_at is not None or erased or not active or not available or accepted is None
                or mid == requester_id or mid in pinged_here or mid in helpers
                or fatigue.get(mid, 0) >= cfg.fatigue_cap):
            continue
        theirs = {x.strip().lower() for x in langs.split(",") if x.strip()}
        if wanted_langs and theirs and not (wanted_langs & theirs):
            continue
        if qs is None or qe is None:  # the community's night for members who set no quiet hours
            qs, qe = cfg.night_start, cfg.night_end
        if not urgent and _quiet(qs, qe, _hour(tz or community_tz, now)):
            continue
        last_ping = last.get(mid)
        eligible.append((-count, recent.get(mid, 0), last_ping is not None, last_ping or 0, joined_at, mid))
    eligible.sort()
    from bot.services.request_routing import candidates_wanted  # as many as an adaptive round may take

    return [e[-1] for e in eligible[:candidates_wanted(ctx)]]


async def measure(db: Path, samples: int, baseline_samples: int) -> dict[str, Any]:
    ctx = await open_community(db)
    try:
        ids = await insert_new_requests(ctx, samples)
        for request_id in ids[:5]:  # warm the page cache and the zone tables, as a running bot has them
            await route_sql(ctx, request_id)
        sql_ms, base_ms, mismatches = [], [], []
        picked: dict[int, list[int]] = {}
        for request_id in ids:
            started = time.perf_counter()
            picked[request_id] = await route_sql(ctx, request_id)
            sql_ms.append((time.perf_counter() - started) * 1000)
        for request_id in ids[:baseline_samples]:
            started = time.perf_counter()
            chosen = await route_python(ctx, request_id)
            base_ms.append((time.perf_counter() - started) * 1000)
            if chosen != picked[request_id]:
                mismatches.append({"request": request_id, "sql": picked[request_id], "python": chosen})
        plan = await _plan(ctx, ids[0])
        return {"sql": sql_ms, "python": base_ms, "mismatches": mismatches, "plan": plan,
                "empty": sum(1 for v in picked.values() if not v)}
    finally:
        await ctx.db.close()


async def _plan(ctx: Any, request_id: int) -> list[str]:
    from bot.services.requests import route_params
    from storage import members as members_repo
    from storage import requests as requests_repo
    from storage import routing as routing_repo

    if not hasattr(routing_repo, "explain_route"):
        return []
    conn = ctx.db.reader
    request = await requests_repo.by_id(conn, ctx.guild_id, request_id)
    requester = await members_repo.by_id(conn, request.requester_id)
    return await routing_repo.explain_route(conn, route_params(ctx, request, requester))


def run(scale: Scale, workdir: Path) -> list[Result]:
    missing = _available()
    if missing:
        big = max(scale.routing_sizes)
        return [unavailable("routing p99", big, "ms", missing, at_most(TARGET_P99_MS, "ms")),
                unavailable("routing p50 vs Python baseline", big, "ms", missing, at_least_ratio(TARGET_SPEEDUP))]
    rows: list[Result] = []
    p99_by_n: dict[int, float] = {}
    biggest = max(scale.routing_sizes)
    for n in scale.routing_sizes:
        runs = []
        for _repeat in range(scale.repeats):
            db = fresh_copy(scale.community(n), workdir, f"routing-{n}.sqlite")
            runs.append(asyncio.run(measure(db, scale.routing_samples, scale.baseline_samples)))
        p50 = median([percentile(r["sql"], 50) for r in runs])
        p99 = median([percentile(r["sql"], 99) for r in runs])
        b50 = median([percentile(r["python"], 50) for r in runs])
        b99 = median([percentile(r["python"], 99) for r in runs])
        p99_by_n[n] = p99
        mismatches = runs[-1]["mismatches"]
        extra = {"samples": scale.routing_samples, "baseline_samples": scale.baseline_samples, "runs": scale.repeats,
                 "requests_with_no_helper": runs[-1]["empty"], "baseline_disagreements": len(mismatches),
                 "query_plan": runs[-1]["plan"]}
        if mismatches:
            extra["disagreement_examples"] = mismatches[:3]
        note = f"SQL and Python baseline disagree on {len(mismatches)} requests" if mismatches else ""
        is_big = n == biggest
        rows.append(result("routing p50 vs Python baseline", n, p50, "ms", baseline="candidates loaded into Python",
                           baseline_value=b50, target=at_least_ratio(TARGET_SPEEDUP) if is_big else None,
                           extra=extra, note=note))
        rows.append(result("routing p99", n, p99, "ms", baseline="candidates loaded into Python", baseline_value=b99,
                           target=at_most(TARGET_P99_MS, "ms") if is_big else None))
    sizes = sorted(p99_by_n)
    if len(sizes) >= 2:
        lo, hi = sizes[-2], sizes[-1]
        growth = p99_by_n[hi] / p99_by_n[lo] if p99_by_n[lo] else None
        rows.append(result(f"routing p99 growth {lo:,}→{hi:,}", hi, growth, "x",
                           target=Target("value", "<=", TARGET_GROWTH, f"<= {TARGET_GROWTH:g}x (linear = 10x)")
                           if hi == 10 * lo else None))
    return rows


def _debug(db: str) -> None:
    """`python -m benchmarks.bench_routing DB`: one measurement printed, for investigating a figure."""
    out = asyncio.run(measure(Path(db), 50, 10))
    print(json.dumps({"sql_p50": percentile(out["sql"], 50), "sql_p99": percentile(out["sql"], 99),
                      "python_p50": percentile(out["python"], 50), "mismatches": out["mismatches"][:3],
                      "plan": out["plan"], "at": datetime.now(UTC).isoformat()}, indent=2))


if __name__ == "__main__":
    import sys

    _debug(sys.argv[1])
