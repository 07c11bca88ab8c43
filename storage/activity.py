"""Activity counters: messages and actions per member per day (never any content)."""
from __future__ import annotations

import json

import aiosqlite


async def add_counts(conn: aiosqlite.Connection, rows: list[tuple[int, str, int, int]]) -> None:
    """Upsert (member_id, day, messages, actions) increments in one statement batch. PostgreSQL: one
    statement over arrays (the rows of one key summed first): a statement per row ran the weekly
    rollup's statement trigger once per row and made ingestion ten times slower than SQLite's."""
    if getattr(conn, "keeps_no_order", False):
        summed: dict[tuple[int, str], list[int]] = {}
        for member_id, day, messages, actions in rows:
            total = summed.setdefault((member_id, day), [0, 0])
            total[0] += messages
            total[1] += actions
        if summed:
            keys = list(summed)
            columns = ([k[0] for k in keys], [k[1] for k in keys], [summed[k][0] for k in keys],
                       [summed[k][1] for k in keys])
            await conn.execute(
                "INSERT INTO activity_day (member_id, day, messages, actions) SELECT * FROM unnest("
                "CAST(? AS bigint[]), CAST(? AS text[]), CAST(? AS bigint[]), CAST(? AS bigint[])) "
                "ON CONFLICT (member_id, day) DO UPDATE SET messages = activity_day.messages + excluded.messages, "
                "actions = activity_day.actions + excluded.actions",
                columns)
        return
    await conn.executemany(
        "INSERT INTO activity_day (member_id, day, messages, actions) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (member_id, day) DO UPDATE SET messages = activity_day.messages + excluded.messages, "
        "actions = activity_day.actions + excluded.actions",
        rows,
    )


async def touch_members(conn: aiosqlite.Connection, rows: list[tuple[int, int]]) -> None:
    """Set last_active_at from (at, member_id) pairs, never moving it backwards (PostgreSQL: one
    statement over arrays, each member's latest instant)."""
    if getattr(conn, "keeps_no_order", False):
        latest: dict[int, int] = {}
        for at, member_id in rows:
            latest[member_id] = max(at, latest.get(member_id, at))
        if latest:
            await conn.execute(
                "UPDATE member SET last_active_at = GREATEST(COALESCE(member.last_active_at, 0), v.at) "
                "FROM unnest(CAST(? AS bigint[]), CAST(? AS bigint[])) AS v(at, id) WHERE member.id = v.id",
                (list(latest.values()), list(latest)))
        return
    await conn.executemany(
        "UPDATE member SET last_active_at = MAX(COALESCE(last_active_at, 0), ?) WHERE id = ?", rows
    )


async def member_id_for(conn: aiosqlite.Connection, guild_id: str, platform_id: str) -> int | None:
    async with conn.execute(
        "SELECT id FROM member WHERE guild_id = ? AND platform_id = ?", (guild_id, platform_id)
    ) as cur:
        row = await cur.fetchone()
    return row[0] if row else None


async def counts_for(conn: aiosqlite.Connection, member_id: int) -> list[tuple[str, int, int]]:
    async with conn.execute(
        "SELECT day, messages, actions FROM activity_day WHERE member_id = ? ORDER BY day", (member_id,)
    ) as cur:
        return [(r[0], r[1], r[2]) for r in await cur.fetchall()]


async def member_ids_for(conn: aiosqlite.Connection, guild_id: str, platform_ids: list[str]) -> dict[str, int]:
    """Platform id → member id for many members in one indexed query (unknown ids are left out)."""
    if not platform_ids:
        return {}
    async with conn.execute(
        "SELECT platform_id, id FROM member WHERE guild_id = ? AND erased = 0 "
        "AND platform_id IN (SELECT value FROM json_each(?))",
        (guild_id, json.dumps(platform_ids)),
    ) as cur:
        return {row[0]: row[1] for row in await cur.fetchall()}


async def existing_ids(conn: aiosqlite.Connection, member_ids: list[int]) -> set[int]:
    """Which of these member ids still exist unerased (an erased member's buffered events are dropped)."""
    if not member_ids:
        return set()
    async with conn.execute(
        "SELECT id FROM member WHERE erased = 0 AND id IN (SELECT value FROM json_each(?))", (json.dumps(member_ids),)
    ) as cur:
        return {row[0] for row in await cur.fetchall()}
