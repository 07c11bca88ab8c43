"""Per-member action counters for rate limits."""
from __future__ import annotations

import aiosqlite


async def count_since(conn: aiosqlite.Connection, member_id: int, action: str, since: int) -> int:
    async with conn.execute(
        "SELECT COUNT(*) FROM rate_event WHERE member_id = ? AND action = ? AND at > ?",
        (member_id, action, since),
    ) as cur:
        row = await cur.fetchone()
    return int(row[0])


async def record(conn: aiosqlite.Connection, member_id: int, action: str, at: int) -> None:
    await conn.execute("INSERT INTO rate_event (member_id, action, at) VALUES (?, ?, ?)", (member_id, action, at))


async def purge_before(conn: aiosqlite.Connection, before: int) -> None:
    await conn.execute("DELETE FROM rate_event WHERE at < ?", (before,))
