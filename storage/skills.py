"""The skill catalogue: one row per normalized skill per community."""
from __future__ import annotations

import aiosqlite


async def ensure(conn: aiosqlite.Connection, guild_id: str, key: str, display: str) -> int:
    """The skill's id, created if new; an accented spelling replaces an unaccented one (électricité)."""
    await conn.execute(
        "INSERT INTO skill (guild_id, key, display) VALUES (?, ?, ?) ON CONFLICT (guild_id, key) DO UPDATE "
        "SET display = excluded.display WHERE skill.display = skill.key AND excluded.display != excluded.key",
        (guild_id, key, display),
    )
    async with conn.execute("SELECT id FROM skill WHERE guild_id = ? AND key = ?", (guild_id, key)) as cur:
        row = await cur.fetchone()
    return int(row[0])


async def ids_for_keys(conn: aiosqlite.Connection, guild_id: str, keys: list[str]) -> dict[str, int]:
    if not keys:
        return {}
    marks = ",".join("?" * len(keys))
    async with conn.execute(
        f"SELECT key, id FROM skill WHERE guild_id = ? AND key IN ({marks})", (guild_id, *keys)
    ) as cur:
        return {row[0]: row[1] for row in await cur.fetchall()}
