"""Reminders: one-off or recurring announcements; `next_at` is the next posting (NULL when done)."""
from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True)
class Reminder:
    id: int
    guild_id: str
    created_by: int | None
    spec: str
    recurring: bool
    text: str
    channel: str | None
    next_at: int | None
    created_at: int


_COLUMNS = "id, guild_id, created_by, spec, recurring, text, channel, next_at, created_at"


def _reminder(row: aiosqlite.Row) -> Reminder:
    return Reminder(row[0], row[1], row[2], row[3], bool(row[4]), row[5], row[6], row[7], row[8])


async def insert(
    conn: aiosqlite.Connection, guild_id: str, created_by: int | None, spec: str, recurring: bool, text: str,
    channel: str | None, next_at: int, now: int,
) -> int:
    cur = await conn.execute(
        "INSERT INTO reminder (guild_id, created_by, spec, recurring, text, channel, next_at, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (guild_id, created_by, spec, int(recurring), text, channel, next_at, now),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def by_id(conn: aiosqlite.Connection, guild_id: str, reminder_id: int) -> Reminder | None:
    async with conn.execute(
        f"SELECT {_COLUMNS} FROM reminder WHERE guild_id = ? AND id = ?", (guild_id, reminder_id)
    ) as cur:
        row = await cur.fetchone()
    return _reminder(row) if row else None


async def scheduled(conn: aiosqlite.Connection, guild_id: str) -> list[Reminder]:
    """Reminders still to post, soonest first."""
    async with conn.execute(
        f"SELECT {_COLUMNS} FROM reminder WHERE guild_id = ? AND next_at IS NOT NULL ORDER BY next_at, id",
        (guild_id,),
    ) as cur:
        return [_reminder(r) for r in await cur.fetchall()]


async def due(conn: aiosqlite.Connection, guild_id: str, until: int) -> list[Reminder]:
    """Reminders whose next posting is at or before `until`, oldest first."""
    async with conn.execute(
        f"SELECT {_COLUMNS} FROM reminder WHERE guild_id = ? AND next_at IS NOT NULL AND next_at <= ? "
        "ORDER BY next_at, id",
        (guild_id, until),
    ) as cur:
        return [_reminder(r) for r in await cur.fetchall()]


async def earliest_after(conn: aiosqlite.Connection, guild_id: str, after: int) -> int | None:
    """The first next_at strictly after `after` (the simulated clock jumps straight to it)."""
    async with conn.execute(
        "SELECT MIN(next_at) FROM reminder WHERE guild_id = ? AND next_at > ?", (guild_id, after)
    ) as cur:
        row = await cur.fetchone()
    return row[0] if row else None


async def set_many_next(conn: aiosqlite.Connection, rows: list[tuple[int | None, int]]) -> None:
    """Rows of (next_at, reminder_id)."""
    await conn.executemany("UPDATE reminder SET next_at = ? WHERE id = ?", rows)


async def delete(conn: aiosqlite.Connection, guild_id: str, reminder_id: int) -> bool:
    cur = await conn.execute("DELETE FROM reminder WHERE guild_id = ? AND id = ?", (guild_id, reminder_id))
    return cur.rowcount > 0
