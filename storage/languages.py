"""Each member's language: the one they chose with `profile set language` wins over their client's."""
from __future__ import annotations

import aiosqlite


async def chosen_language(conn: aiosqlite.Connection, member_id: int) -> str | None:
    rows = await conn.execute_fetchall("SELECT locale FROM member_language_choice WHERE member_id = ?", (member_id,))
    return str(rows[0][0]) if rows else None


async def choose_language(conn: aiosqlite.Connection, member_id: int, locale: str, now: int) -> None:
    await conn.execute(
        "INSERT INTO member_language_choice (member_id, locale, chosen_at) VALUES (?, ?, ?) "
        "ON CONFLICT (member_id) DO UPDATE SET locale = excluded.locale, chosen_at = excluded.chosen_at",
        (member_id, locale, now),
    )
    await conn.execute("UPDATE member SET locale = ? WHERE id = ?", (locale, member_id))


async def follow_client_locale(conn: aiosqlite.Connection, member_id: int, locale: str) -> bool:
    """The client's language becomes the member's, unless they chose one; True when it changed."""
    cur = await conn.execute(
        "UPDATE member SET locale = ? WHERE id = ? AND locale IS NOT ? "
        "AND NOT EXISTS (SELECT 1 FROM member_language_choice c WHERE c.member_id = member.id)",
        (locale, member_id, locale),
    )
    return cur.rowcount > 0
