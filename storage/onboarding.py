"""Onboarding state: joins, leaves, charter acceptance."""
from __future__ import annotations

import aiosqlite


async def mark_joined(conn: aiosqlite.Connection, member_id: int, handle: str, locale: str | None, now: int) -> None:
    """A (re)join: present again, same profile unless it was erased."""
    await conn.execute(
        "UPDATE member SET left_at = NULL, handle = ?, locale = COALESCE(?, locale), joined_at = "
        "CASE WHEN left_at IS NOT NULL THEN ? ELSE joined_at END WHERE id = ?",
        (handle, locale, now, member_id),
    )


async def mark_left(conn: aiosqlite.Connection, member_id: int, now: int) -> None:
    await conn.execute("UPDATE member SET left_at = ? WHERE id = ?", (now, member_id))


async def accept_charter(conn: aiosqlite.Connection, member_id: int, now: int) -> None:
    await conn.execute(
        "UPDATE member SET charter_accepted_at = ? WHERE id = ? AND charter_accepted_at IS NULL",
        (now, member_id),
    )
