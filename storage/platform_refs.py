"""Transport-side references kept across restarts: e.g. the Discord thread opened for a help request."""
from __future__ import annotations

import aiosqlite


async def get_ref(conn: aiosqlite.Connection, guild_id: str, key: str) -> str | None:
    async with conn.execute(
        "SELECT value FROM platform_ref WHERE guild_id = ? AND key = ?", (guild_id, key)
    ) as cur:
        row = await cur.fetchone()
    return str(row[0]) if row else None


async def set_ref(conn: aiosqlite.Connection, guild_id: str, key: str, value: str) -> None:
    await conn.execute(
        "INSERT INTO platform_ref (guild_id, key, value) VALUES (?, ?, ?) "
        "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value",
        (guild_id, key, value),
    )


async def guild_of_ref(conn: aiosqlite.Connection, key: str) -> str | None:
    """The community a reference belongs to, found by its key alone (a DM carries no server)."""
    async with conn.execute("SELECT guild_id FROM platform_ref WHERE key = ? LIMIT 1", (key,)) as cur:
        row = await cur.fetchone()
    return str(row[0]) if row else None
