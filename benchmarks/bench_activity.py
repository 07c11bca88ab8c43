"""Activity ingestion: message events through the real path (ActivityRecorder), against two baselines.

- real: `ActivityRecorder.message(platform_id)` for every event (what the transports call), buffered
  and flushed in batches, then a final flush; counted until everything is committed.
- naive: one transaction per event (look the member up, upsert the day, touch last_active_at), with
  the same repository functions; run on a sample and extrapolated to events/s, since 200,000 commits
  at synchronous=FULL would take minutes.
- ceiling: raw `sqlite3.executemany` of the same 200,000 upserts in one transaction: what this
  machine's SQLite can do at best without any bot around it.
"""
from __future__ import annotations

import asyncio
import bisect
import itertools
import random
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

from benchmarks.common import (
    Result,
    Scale,
    at_least_ratio,
    community_config,
    fresh_copy,
    median,
    open_community,
    result,
)
from benchmarks.generate import DEFAULT_NOW
from bot.services.activity import ActivityRecorder
from storage import activity as activity_repo

NAME = "activity"
SPAN = timedelta(hours=48)  # the events are spread over two days, so day rows roll over
UPSERT = ("INSERT INTO activity_day (member_id, day, messages, actions) VALUES (?, ?, 1, 0) "
          "ON CONFLICT (member_id, day) DO UPDATE SET messages = messages + excluded.messages")


def event_stream(db: Path, count: int, seed: int = 7) -> list[tuple[str, int]]:
    """(platform_id, member_id) per event: a Zipf crowd of present members, a few chatty ones write most."""
    conn = sqlite3.connect(db)
    try:
        people = conn.execute(
            "SELECT platform_id, id FROM member WHERE left_at IS NULL ORDER BY id").fetchall()
    finally:
        conn.close()
    rng = random.Random(seed)
    crowd = rng.sample(people, min(len(people), 20_000))
    cum = list(itertools.accumulate(1.0 / rank for rank in range(1, len(crowd) + 1)))
    total = cum[-1]
    return [crowd[min(bisect.bisect_left(cum, rng.random() * total), len(crowd) - 1)] for _ in range(count)]


def _instant(index: int, count: int) -> datetime:
    start = datetime.fromisoformat(DEFAULT_NOW)
    return start + SPAN * (index / max(1, count))


async def _messages_total(ctx: object) -> int:
    row = await ctx.db.fetchone("SELECT COALESCE(SUM(messages), 0) FROM activity_day")  # type: ignore[attr-defined]
    return int(row[0])


async def ingest_real(db: Path, events: list[tuple[str, int]]) -> float:
    """Seconds for every event through ActivityRecorder, committed; checks that no event was lost."""
    ctx = await open_community(db)
    try:
        before = await _messages_total(ctx)
        recorder = ActivityRecorder(ctx)
        step = 1000
        started = time.perf_counter()
        for index, (platform_id, _member_id) in enumerate(events):
            if index % step == 0:
                ctx.clock.set(_instant(index, len(events)))  # type: ignore[attr-defined]
            await recorder.message(platform_id)
        await recorder.flush()
        elapsed = time.perf_counter() - started
        after = await _messages_total(ctx)
        if after - before != len(events):
            raise AssertionError(f"ActivityRecorder lost events: {after - before} of {len(events)} counted")
        return elapsed
    finally:
        await ctx.db.close()


async def ingest_naive(db: Path, events: list[tuple[str, int]]) -> float:
    """Seconds for one transaction per event, as a bot without batching would do it."""
    ctx = await open_community(db)
    try:
        started = time.perf_counter()
        for index, (platform_id, _member_id) in enumerate(events):
            ctx.clock.set(_instant(index, len(events)))  # type: ignore[attr-defined]
            now = ctx.now()
            day = now.astimezone(ctx.tz).strftime("%Y-%m-%d")
            async with ctx.db.transaction() as tx:
                member_id = await activity_repo.member_id_for(tx, ctx.guild_id, platform_id)
                if member_id is None:
                    continue
                await activity_repo.add_counts(tx, [(member_id, day, 1, 0)])
                await activity_repo.touch_members(tx, [(ctx.now_ts(), member_id)])
        return time.perf_counter() - started
    finally:
        await ctx.db.close()


def ingest_ceiling(db: Path, events: list[tuple[str, int]], synchronous: str) -> float:
    """Seconds for raw executemany of the same upserts in one transaction (day computed up front)."""
    tz = community_config().community.tz
    rows = [(member_id, _instant(i, len(events)).astimezone(tz).strftime("%Y-%m-%d"))
            for i, (_pid, member_id) in enumerate(events)]
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute(f"PRAGMA synchronous={synchronous}")
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(UPSERT, rows)
        conn.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        conn.close()


def run(scale: Scale, workdir: Path) -> list[Result]:
    n = scale.vitality_size  # the big community: upserts land in a year-deep activity table
    source = scale.community(n)
    events = event_stream(source, scale.events)
    naive_sample = events[: scale.naive_events]
    synchronous = "FULL"
    real, naive, ceiling = [], [], []
    for repeat in range(scale.repeats):
        db = fresh_copy(source, workdir, f"activity-{repeat}.sqlite")
        real.append(len(events) / asyncio.run(ingest_real(db, events)))
        db = fresh_copy(source, workdir, f"activity-naive-{repeat}.sqlite")
        naive.append(len(naive_sample) / asyncio.run(ingest_naive(db, naive_sample)))
        db = fresh_copy(source, workdir, f"activity-ceiling-{repeat}.sqlite")
        ceiling.append(len(events) / ingest_ceiling(db, events, synchronous))
        for leftover in workdir.glob("activity-*"):
            leftover.unlink()
    value = median(real)
    extra = {"events": len(events), "naive_events": len(naive_sample), "runs": scale.repeats,
             "synchronous": synchronous}
    return [
        result("activity ingestion vs naive", n, value, "events/s", baseline="one transaction per event",
               baseline_value=median(naive), higher_is_better=True, target=at_least_ratio(20, "ratio >= 20"),
               extra=extra),
        result("activity ingestion vs ceiling", n, value, "events/s", baseline="raw executemany, one transaction",
               baseline_value=median(ceiling), higher_is_better=True, target=at_least_ratio(0.3, "ratio >= 0.3"),
               extra=extra),
    ]
