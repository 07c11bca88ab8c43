"""Quiet hours of DM recipients, read by the dispatcher before it delivers a DM."""
from __future__ import annotations

import aiosqlite


async def of_platform_id(
    conn: aiosqlite.Connection, guild_id: str, platform_id: str
) -> tuple[int | None, int | None, str | None] | None:
    """(quiet_start, quiet_end, timezone) of the member with this platform id, None when unknown."""
    async with conn.execute(
        "SELECT quiet_start, quiet_end, timezone FROM member WHERE guild_id = ? AND platform_id = ?",
        (guild_id, platform_id),
    ) as cur:
        row = await cur.fetchone()
    return (row[0], row[1], row[2]) if row else None
