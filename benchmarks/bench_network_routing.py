"""Network routing (issue 22): a widened request routed across a 300-community, 100,000-member network.

The network is the generated 100k community split into NETWORK_SIZE communities (members dealt round
the communities, each community with its own skill rows, as a real network has), a NETWORK_SHARE of
members sharing their profile with the network. A decision is what `request widen` does before it
records the pings: load the requester, the round's parameters (`network_params`), the network
statement (`storage.network_routing.route_candidates`), for fresh requests of one community with skill
sets copied from the history.

Baseline, in the same run: one local routing decision on the same 100k members as one community (the
single-community routing the target is set for: p99 ≤ 10 ms). Every network decision is also checked
against the plain reference query (disagreements reported).
"""
from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_routing import insert_new_requests, route_sql
from benchmarks.common import Result, Scale, at_most, fresh_copy, median, open_community, percentile, result
from benchmarks.generate import GUILD

NAME = "network_routing"
TARGET_P99_MS = 10.0
NETWORK_SIZE = 300
NETWORK_SHARE = 0.3


def build_network(path: Path, communities: int, share: float, seed: int = 22) -> None:
    """Split a generated community, in place, into `communities` communities sharing one database."""
    conn = sqlite3.connect(path)
    try:
        top = conn.execute("SELECT MAX(id) FROM skill").fetchone()[0] + 1
        conn.execute("BEGIN")
        conn.execute(f"UPDATE member SET guild_id = printf('c%03d', id % {communities})")
        conn.execute("UPDATE skill SET guild_id = 'c000'")
        for c in range(1, communities):
            conn.execute(f"INSERT INTO skill (id, guild_id, key, display) SELECT id + {top * c}, "
                         f"printf('c%03d', {c}), key, display FROM skill WHERE id < {top}")
        conn.execute(f"UPDATE member_skill SET skill_id = skill_id + {top} * (member_id % {communities}) "
                     f"WHERE member_id % {communities} != 0")
        conn.execute("UPDATE request SET guild_id = COALESCE((SELECT m.guild_id FROM member m "
                     "WHERE m.id = request.requester_id), 'c000')")
        conn.execute(f"UPDATE request_skill SET skill_id = skill_id + {top} * (SELECT COALESCE(r.requester_id, 0) "
                     f"% {communities} FROM request r WHERE r.id = request_skill.request_id) "
                     f"WHERE (SELECT COALESCE(r.requester_id, 0) % {communities} FROM request r "
                     "WHERE r.id = request_skill.request_id) != 0")
        rng = random.Random(seed)
        ids = [r[0] for r in conn.execute("SELECT id FROM member")]
        chosen = [(i,) for i in ids if rng.random() < share]
        conn.executemany("UPDATE member SET network = 1 WHERE id = ?", chosen)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()


class _Net:
    """The network as the service reads it (ctx.network: communities by guild key)."""

    def __init__(self, communities: list[Any]) -> None:
        self.communities = communities
        self.name = "bench"


async def open_network(db: Path, communities: int) -> Any:
    from bot.context import Community

    first = await open_community(db)
    first.guild_id = "c000"
    others = [Community(db=first.db, clock=first.clock, config=first.config, i18n=first.i18n, guild_id=f"c{c:03d}")
              for c in range(1, communities)]
    net = _Net([first, *others])
    for ctx in net.communities:
        ctx.network = net
    return first


async def route_network(ctx: Any, request_id: int, reference: bool = False) -> list[int]:
    """One widened routing decision through the real code, read-only on committed data."""
    from bot.services.network_requests import network_params
    from storage import members as members_repo
    from storage import network_routing as repo
    from storage import requests as requests_repo

    conn = ctx.db.reader
    request = await requests_repo.by_id(conn, ctx.guild_id, request_id)
    requester = await members_repo.by_id(conn, request.requester_id) if request.requester_id else None
    params = await network_params(conn, ctx, request, requester)
    found = await (repo.route_candidates_reference if reference else repo.route_candidates)(conn, params)
    return [m.id for m in found]


async def measure_network(db: Path, communities: int, samples: int, checks: int) -> dict[str, Any]:
    ctx = await open_network(db, communities)
    try:
        ids = await insert_new_requests(ctx, samples)
        for request_id in ids[:5]:
            await route_network(ctx, request_id)
        times, picked = [], {}
        for request_id in ids:
            started = time.perf_counter()
            picked[request_id] = await route_network(ctx, request_id)
            times.append((time.perf_counter() - started) * 1000)
        mismatches = [rid for rid in ids[:checks] if await route_network(ctx, rid, reference=True) != picked[rid]]
        return {"ms": times, "mismatches": mismatches, "empty": sum(1 for v in picked.values() if not v)}
    finally:
        await ctx.db.close()


async def measure_local(db: Path, samples: int) -> list[float]:
    ctx = await open_community(db)
    try:
        assert ctx.guild_id == GUILD
        ids = await insert_new_requests(ctx, samples)
        for request_id in ids[:5]:
            await route_sql(ctx, request_id)
        times = []
        for request_id in ids:
            started = time.perf_counter()
            await route_sql(ctx, request_id)
            times.append((time.perf_counter() - started) * 1000)
        return times
    finally:
        await ctx.db.close()


def run(scale: Scale, workdir: Path) -> list[Result]:
    members = max(scale.routing_sizes)
    communities = NETWORK_SIZE if scale.name == "full" else 6
    source = scale.community(members)
    net_runs, local_runs = [], []
    built = fresh_copy(source, workdir, "network-built.sqlite")
    build_network(built, communities, NETWORK_SHARE)
    for _repeat in range(scale.repeats):
        db = fresh_copy(built, workdir, "network.sqlite")
        net_runs.append(asyncio.run(measure_network(db, communities, scale.routing_samples,
                                                    scale.baseline_samples)))
        local = fresh_copy(source, workdir, "local.sqlite")
        local_runs.append(asyncio.run(measure_local(local, scale.routing_samples)))
    p50 = median([percentile(r["ms"], 50) for r in net_runs])
    p99 = median([percentile(r["ms"], 99) for r in net_runs])
    l50 = median([percentile(r, 50) for r in local_runs])
    l99 = median([percentile(r, 99) for r in local_runs])
    mismatches = net_runs[-1]["mismatches"]
    extra = {"communities": communities, "network_share": NETWORK_SHARE, "samples": scale.routing_samples,
             "reference_checks": scale.baseline_samples, "reference_disagreements": len(mismatches),
             "requests_with_no_helper": net_runs[-1]["empty"], "runs": scale.repeats}
    note = f"network statement and reference disagree on {len(mismatches)} requests" if mismatches else ""
    return [
        result(f"network routing p50 ({communities} communities)", members, p50, "ms",
               baseline="local routing, one community of the same size", baseline_value=l50, extra=extra, note=note),
        result(f"network routing p99 ({communities} communities)", members, p99, "ms",
               baseline="local routing, one community of the same size", baseline_value=l99,
               target=at_most(TARGET_P99_MS, "ms") if scale.name == "full" else None, note=note),
    ]
