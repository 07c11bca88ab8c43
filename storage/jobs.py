"""Job runs: one row per job period, written in the transaction that did the job's work."""
from __future__ import annotations

import json
from collections.abc import Sequence

import aiosqlite


async def has_run(conn: aiosqlite.Connection, key: str) -> bool:
    return bool(await conn.execute_fetchall("SELECT 1 FROM job_run WHERE key = ?", (key,)))


async def taken(conn: aiosqlite.Connection, keys: Sequence[str]) -> set[str]:
    """Which of these periods are recorded already (one statement for a network's batch)."""
    rows = await conn.execute_fetchall("SELECT key FROM job_run WHERE key IN (SELECT value FROM json_each(?))",
                                       (json.dumps(list(keys)),))
    return {row[0] for row in rows}


async def record_run(conn: aiosqlite.Connection, key: str, job: str, now: int) -> None:
    await conn.execute("INSERT INTO job_run (key, job, ran_at) VALUES (?, ?, ?)", (key, job, now))


async def claim_run(conn: aiosqlite.Connection, key: str, job: str, now: int) -> bool:
    """Record a period's run unless it is recorded already: False when another run has it. The key
    is the lock: on PostgreSQL a second process inserting the same key waits for the first one's
    transaction, then finds it taken, so two processes racing for a period run it once."""
    cur = await conn.execute(
        "INSERT INTO job_run (key, job, ran_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING", (key, job, now))
    return cur.rowcount == 1


async def runs_of(conn: aiosqlite.Connection, job: str) -> list[str]:
    async with conn.execute("SELECT key FROM job_run WHERE job = ? ORDER BY ran_at, key", (job,)) as cur:
        return [row[0] for row in await cur.fetchall()]


async def get_setting(conn: aiosqlite.Connection, guild_id: str, key: str) -> str | None:
    """One round trip to the database thread (a cursor's execute, fetch and close are three: a network's
    weekly jobs ask this once per community)."""
    rows = await conn.execute_fetchall("SELECT value FROM settings WHERE guild_id = ? AND key = ?", (guild_id, key))
    return rows[0][0] if rows else None


async def set_setting(conn: aiosqlite.Connection, guild_id: str, key: str, value: str) -> None:
    await conn.execute(
        "INSERT INTO settings (guild_id, key, value) VALUES (?, ?, ?) "
        "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value",
        (guild_id, key, value),
    )


async def has_any_run(conn: aiosqlite.Connection, job: str) -> bool:
    async with conn.execute("SELECT 1 FROM job_run WHERE job = ? LIMIT 1", (job,)) as cur:
        return await cur.fetchone() is not None
