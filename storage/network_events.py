"""The network's programme (issue 22): the events communities opened to the network."""
from __future__ import annotations

import json

import aiosqlite

from storage import events as events_repo
from storage.events import Event


async def network_event(conn: aiosqlite.Connection, guild_ids: list[str], event_id: int) -> Event | None:
    """An event one of these communities opened to the network, or None."""
    rows = await conn.execute_fetchall(
        f"SELECT {events_repo.EVENT_COLUMNS} FROM event WHERE id = ? AND network = 1 "
        "AND guild_id IN (SELECT value FROM json_each(?))", (event_id, json.dumps(guild_ids)))
    return events_repo._event(rows[0]) if rows else None


async def coming_network_events(conn: aiosqlite.Connection, guild_ids: list[str], now: int, limit: int) -> list[Event]:
    """Scheduled occurrences opened to the network by these communities, not ended, soonest first."""
    rows = await conn.execute_fetchall(
        f"SELECT {events_repo.EVENT_COLUMNS} FROM event INDEXED BY event_network WHERE network = 1 "
        "AND status = 'scheduled' AND end_at > ? AND guild_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY start_at, id LIMIT ?", (now, json.dumps(guild_ids), limit))
    return [e for e in map(events_repo._event, rows) if e is not None]
