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


async def for_request(conn: aiosqlite.Connection, request_id: int) -> list[tuple[int, int | None, int | None]]:
    """(kudos id, from, to) recorded for one request."""
    async with conn.execute(
        "SELECT id, from_id, to_id FROM kudos WHERE request_id = ? ORDER BY id", (request_id,)
    ) as cur:
        return [(r[0], r[1], r[2]) for r in await cur.fetchall()]
