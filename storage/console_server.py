"""The console's simulated server: which users refuse DMs (their roles live in member_role)."""
from __future__ import annotations

import aiosqlite


async def set_dms_closed(conn: aiosqlite.Connection, guild_id: str, user: str, closed: bool) -> None:
    await conn.execute(
        "INSERT INTO console_user (guild_id, user, dms_closed) VALUES (?, ?, ?) "
        "ON CONFLICT (guild_id, user) DO UPDATE SET dms_closed = excluded.dms_closed",
        (guild_id, user, int(closed)),
    )


async def dms_closed(conn: aiosqlite.Connection, guild_id: str, user: str) -> bool:
    async with conn.execute(
        "SELECT dms_closed FROM console_user WHERE guild_id = ? AND user = ?", (guild_id, user)
    ) as cur:
        row = await cur.fetchone()
    return bool(row and row[0])
