"""Kudos: public thanks from one member to another, optionally for a help request."""
from __future__ import annotations

import aiosqlite


async def insert(
    conn: aiosqlite.Connection, guild_id: str, from_id: int, to_id: int, reason: str | None,
    request_id: int | None, at: int,
) -> int:
    cur = await conn.execute(
        "INSERT INTO kudos (guild_id, from_id, to_id, reason, request_id, at) VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, from_id, to_id, reason, request_id, at),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def count_received(conn: aiosqlite.Connection, member_id: int) -> int:
    async with conn.execute("SELECT COUNT(*) FROM kudos WHERE to_id = ?", (member_id,)) as cur:
        row = await cur.fetchone()
    return int(row[0])


async def received_between(
    conn: aiosqlite.Connection, guild_id: str, since: int, until: int, limit: int = 25
) -> list[tuple[int, int]]:
    """(member_id, kudos received) in [since, until), most thanked first (member of the month, digest)."""
    async with conn.execute(
        "SELECT to_id, COUNT(*) AS n FROM kudos WHERE guild_id = ? AND at >= ? AND at < ? AND to_id IS NOT NULL "
        "GROUP BY to_id ORDER BY n DESC, MIN(at) ASC, to_id ASC LIMIT ?",
        (guild_id, since, until, limit),
    ) as cur:
        return [(r[0], r[1]) for r in await cur.fetchall()]


async def for_request(conn: aiosqlite.Connection, request_id: int) -> list[tuple[int, int | None, int | None]]:
    """(kudos id, from, to) recorded for one request."""
    async with conn.execute(
        "SELECT id, from_id, to_id FROM kudos WHERE request_id = ? ORDER BY id", (request_id,)
    ) as cur:
        return [(r[0], r[1], r[2]) for r in await cur.fetchall()]
