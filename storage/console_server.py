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
    if rows or user.isascii():
        return str(rows[0][0]) if rows else None
    # SQLite's NOCASE folds ASCII letters only (PostgreSQL's collation folds them all): `Émile` is
    # `émile` on both engines, compared here among the few ids of the same length.
    folded = user.casefold()
    for sql in ("SELECT platform_id FROM member WHERE guild_id = ? AND length(platform_id) = ? "
                "ORDER BY left_at IS NOT NULL, id",
                "SELECT user FROM console_user WHERE guild_id = ? AND length(user) = ? ORDER BY present DESC"):
        rows = await conn.execute_fetchall(sql, (guild_id, len(user)))
        found = next((str(row[0]) for row in rows if str(row[0]).casefold() == folded), None)
        if found is not None:
            return found
    return None


async def is_present(conn: aiosqlite.Connection, guild_id: str, user: str) -> bool:
    """Whether the user is on the simulated server now (joined, not left since)."""
    rows = await conn.execute_fetchall(
        "SELECT 1 FROM console_user WHERE guild_id = ? AND user = ? AND present = 1", (guild_id, user)
    )
    return bool(rows)


async def join_of(conn: aiosqlite.Connection, guild_id: str, user: str) -> tuple[str | None, int | None]:
    """What the user's `join` said: their client's language, and since when they are on the server (None when
    they are not), with whether the bot saw that join: (locale, joined_at if present, seen joining)."""
    rows = await conn.execute_fetchall(
        "SELECT u.locale, CASE WHEN u.present = 1 AND NOT EXISTS (SELECT 1 FROM member m JOIN onboarding_state o "
        "ON o.member_id = m.id WHERE m.guild_id = u.guild_id AND m.platform_id = u.user) THEN u.joined_at END "
        "FROM console_user u WHERE u.guild_id = ? AND u.user = ?", (guild_id, user))
    return (rows[0][0], rows[0][1]) if rows else (None, None)


async def record_join(
    conn: aiosqlite.Connection, guild_id: str, user: str, name: str, locale: str | None, joined_at: int,
) -> None:
    """The user is on the simulated server from `joined_at` (a rejoin starts a new stay). The name is
    the platform's own, kept as sent but for NUL, which PostgreSQL text cannot hold (echoes clean it anyway)."""
    name = name.replace("\x00", "")
    await conn.execute(
        "INSERT INTO console_user (guild_id, user, name, locale, joined_at, present) VALUES (?, ?, ?, ?, ?, 1) "
        "ON CONFLICT (guild_id, user) DO UPDATE SET name = excluded.name, "
        "locale = COALESCE(excluded.locale, console_user.locale), joined_at = excluded.joined_at, present = 1",
        (guild_id, user, name, locale, joined_at),
    )


async def record_leave(conn: aiosqlite.Connection, guild_id: str, user: str) -> None:
    await conn.execute("UPDATE console_user SET present = 0 WHERE guild_id = ? AND user = ?", (guild_id, user))


async def roster(conn: aiosqlite.Connection, guild_id: str) -> list[tuple[str, str, str | None, int | None, str]]:
    """Everyone on the simulated server: (user, name, locale, joined_at, roles as a `\\n` list)."""
    rows = await conn.execute_fetchall(
        "SELECT u.user, COALESCE(u.name, u.user), u.locale, u.joined_at, "
        "COALESCE((SELECT group_concat(r.role, char(10)) FROM member m JOIN member_role r ON r.member_id = m.id "
        "          WHERE m.guild_id = u.guild_id AND m.platform_id = u.user), '') "
        "FROM console_user u WHERE u.guild_id = ? AND u.present = 1 ORDER BY u.joined_at, u.user",
        (guild_id,),
    )
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]
