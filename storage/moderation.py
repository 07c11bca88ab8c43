"""Moderation cases: the audit log (actor, action, target, reason, time)."""
from __future__ import annotations

import aiosqlite


async def insert_case(
    conn: aiosqlite.Connection, guild_id: str, actor_id: int | None, action: str, target_id: int | None,
    reason: str | None, at: int, until_at: int | None = None,
) -> int:
    cur = await conn.execute(
        "INSERT INTO mod_case (guild_id, actor_id, action, target_id, reason, at, until_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (guild_id, actor_id, action, target_id, reason, at, until_at),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid
