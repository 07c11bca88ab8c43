"""Event occurrences shown in a platform's calendar (Discord Scheduled Events): what was queued, applied, where."""
from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.events import EVENT_COLUMNS, Event, _event


@dataclass(frozen=True)
class Mirror:
    event_id: int
    wanted: str
    revision: int
    applied: int
    ref: str | None
    attempted_at: int | None
    queued_at: int


async def get(conn: aiosqlite.Connection, event_id: int) -> Mirror | None:
    async with conn.execute(
        "SELECT event_id, wanted, revision, applied, ref, attempted_at, queued_at FROM event_mirror "
        "WHERE event_id = ?", (event_id,)
    ) as cur:
        row = await cur.fetchone()
    return Mirror(*row) if row else None


async def queue(conn: aiosqlite.Connection, guild_id: str, event_id: int, wanted: str, now: int) -> int:
    """A new change to show (or cancel) the occurrence; returns its revision."""
    await conn.execute(
        "INSERT INTO event_mirror (event_id, guild_id, wanted, revision, queued_at) VALUES (?, ?, ?, 1, ?) "
        "ON CONFLICT (event_id) DO UPDATE SET wanted = excluded.wanted, revision = event_mirror.revision + 1, "
        "queued_at = excluded.queued_at",
        (event_id, guild_id, wanted, now),
    )
    async with conn.execute("SELECT revision FROM event_mirror WHERE event_id = ?", (event_id,)) as cur:
        row = await cur.fetchone()
    return int(row[0])


async def mark_attempted(conn: aiosqlite.Connection, event_id: int, now: int) -> None:
    await conn.execute("UPDATE event_mirror SET attempted_at = ? WHERE event_id = ?", (now, event_id))


async def set_ref(conn: aiosqlite.Connection, event_id: int, ref: str | None) -> None:
    await conn.execute("UPDATE event_mirror SET ref = ? WHERE event_id = ?", (ref, event_id))


async def mark_applied(conn: aiosqlite.Connection, event_id: int, revision: int) -> None:
    await conn.execute("UPDATE event_mirror SET applied = MAX(applied, ?) WHERE event_id = ?", (revision, event_id))


async def to_show(conn: aiosqlite.Connection, guild_id: str, after: int, until: int) -> list[Event]:
    """Scheduled occurrences starting in (after, until] that were never queued for the calendar."""
    columns = ", ".join(f"e.{c.strip()}" for c in EVENT_COLUMNS.split(","))
    async with conn.execute(
        f"SELECT {columns} FROM event e WHERE e.guild_id = ? AND e.status = 'scheduled' "
        "AND e.start_at > ? AND e.start_at <= ? "
        "AND NOT EXISTS (SELECT 1 FROM event_mirror m WHERE m.event_id = e.id) ORDER BY e.start_at, e.id",
        (guild_id, after, until),
    ) as cur:
        return [e for e in map(_event, await cur.fetchall()) if e is not None]


async def failed_before(conn: aiosqlite.Connection, guild_id: str, before: int) -> list[int]:
    """Occurrences whose latest change, queued before `before`, failed (e.g. a permission missing then)."""
    async with conn.execute(
        "SELECT m.event_id FROM event_mirror m JOIN outbox o ON o.guild_id = m.guild_id "
        "AND o.key = 'event-mirror:' || m.event_id || ':' || m.revision "
        "WHERE m.guild_id = ? AND m.applied < m.revision AND m.queued_at <= ? AND o.status = 'failed' "
        "ORDER BY m.event_id", (guild_id, before),
    ) as cur:
        return [row[0] for row in await cur.fetchall()]
