"""Crash injection: kill the console at named points during a weekly job of 1,000 members, restart it.

Every member gets their nudge, at most the in-flight message repeats, the period runs once, and the
database passes its integrity check.
"""
from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from storage.database import insert_rows, open_database
from tests import pg_support
from tests.pg_support import entraide

MEMBERS = 1000
BEFORE = "2026-12-02T17:59:00+01:00"  # Wednesday, just before the 18:00 nudges
AFTER_CRASH = "2026-12-02T19:00:00+01:00"  # within the 6 h catch-up window
END = "2026-12-03T06:00:00+01:00"
DAY = 86400


async def quiet_community(path: Path) -> str:
    """1,000 members who accepted the charter long ago and have been quiet for two months; what
    `--db` names it by (the file, or on the PostgreSQL run the database standing for it)."""
    db = await open_database(path)
    joined = 1_764_000_000 - 200 * DAY  # mid-2025
    try:
        async with db.transaction() as tx:
            await insert_rows(
                tx, "INSERT INTO member (guild_id, platform_id, handle, locale, joined_at, charter_accepted_at, "
                "profile_updated_at, last_active_at) VALUES",
                [("console", f"m{i:04d}", f"m{i:04d}", "fr" if i % 3 else "en", joined, joined,
                  1_764_000_000 - 30 * DAY, 1_764_000_000 - 60 * DAY) for i in range(MEMBERS)])
    finally:
        await db.close()
    return await pg_support.url_for_path(path) if pg_support.ON_PG else str(path)


def console(db: str, start: str, events: list[dict], fault: str | None = None) -> tuple[list[dict], int]:
    env = {k: v for k, v in os.environ.items() if k != "ENTRAIDE_FAULT"}
    if fault:
        env["ENTRAIDE_FAULT"] = fault
    proc = subprocess.run(
        entraide("console", "--jsonl", "--db", db, "--start", start),
        input="".join(json.dumps(e) + "\n" for e in events), capture_output=True, text=True, timeout=600, env=env,
    )
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()], proc.returncode


def nudged(outs: list[dict]) -> list[str]:
    return [o["user"] for o in outs if o.get("type") == "dm" and o.get("kind") == "nudge"]


@pytest.mark.slow
@pytest.mark.parametrize("fault", [
    "job:weekly-nudges:before-commit",   # killed in the middle of the job's batch: nothing committed
    "job:weekly-nudges:after-commit",    # killed right after the commit, nothing delivered yet
    "outbox:after-send:400",             # killed between a delivery and its marking as sent
    "activity:mid-flush",                # killed while activity counts were being written
])
async def test_a_crash_at_any_point_loses_nothing_and_repeats_at_most_one(tmp_path: Path, fault: str) -> None:
    path = tmp_path / "crash.sqlite"
    db = await quiet_community(path)
    first, code = console(db, BEFORE, [{"type": "message", "user": "m0001", "channel": "general", "text": ""},
                                       {"type": "advance", "until": END}], fault=fault)
    assert code != 0, "the fault point was never reached"
    assert not any(o["type"] == "done" and o["at"].startswith("2026-12-03") for o in first)
    second, code = console(db, AFTER_CRASH, [{"type": "advance", "until": END}])
    assert code == 0
    counts = Counter(nudged(first) + nudged(second))
    assert len(counts) == MEMBERS, f"{MEMBERS - len(counts)} members never got their nudge"
    repeats = sum(c - 1 for c in counts.values())
    assert repeats <= 1, f"{repeats} nudges were sent twice"
    conn = await open_database(path)
    try:
        assert await conn.integrity_check() == "ok"
        runs = (await conn.fetchone("SELECT COUNT(*) FROM job_run WHERE key = 'weekly-nudges:2026-W49'"))[0]
        assert runs == 1
        assert (await conn.fetchone("SELECT COUNT(*) FROM nudge"))[0] == MEMBERS
        assert (await conn.fetchone("SELECT COUNT(*) FROM outbox WHERE status = 'pending'"))[0] == 0
    finally:
        await conn.close()
    third, code = console(db, END, [{"type": "advance", "by": "6h"}])  # and a later restart repeats nothing
    assert nudged(third) == []


@pytest.mark.slow
async def test_down_over_a_due_time_runs_once_within_grace_and_never_late(tmp_path: Path) -> None:
    db = await quiet_community(tmp_path / "down.sqlite")
    outs, _ = console(db, "2026-12-02T21:00:00+01:00", [{"type": "advance", "by": "10h"}])  # 3 h late: caught up
    assert len(set(nudged(outs))) == MEMBERS
    late = await quiet_community(tmp_path / "late.sqlite")
    outs, _ = console(late, "2026-12-03T01:00:00+01:00", [{"type": "advance", "by": "10h"}])  # 7 h late: skipped
    assert nudged(outs) == []
