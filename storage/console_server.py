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


async def member_user(conn: aiosqlite.Connection, guild_id: str, user: str) -> str | None:
    """The id under which the simulated server knows a typed handle, whatever its case (`Nina` is
    `nina`): a member's platform id, else a user who joined (and, say, erased their data since).

    The exact id first (indexed); then the same letters in another case, present members first.
    """
    rows = await conn.execute_fetchall(
        "SELECT platform_id FROM member WHERE guild_id = ? AND platform_id = ?", (guild_id, user)
    )
    if rows:
        return str(rows[0][0])
    rows = await conn.execute_fetchall(
        "SELECT platform_id FROM member WHERE guild_id = ? AND platform_id = ? COLLATE NOCASE "
        "ORDER BY left_at IS NOT NULL, id LIMIT 1",
        (guild_id, user),
    )
    if rows:
        return str(rows[0][0])
    rows = await conn.execute_fetchall(
        "SELECT user FROM console_user WHERE guild_id = ? AND user = ? COLLATE NOCASE "
        "ORDER BY user = ? DESC LIMIT 1",
        (guild_id, user, user),
    )
    return str(rows[0][0]) if rows else None
