"""The Signal transport's tables: who wrote to the bot, and the bot's messages that carry components."""
from __future__ import annotations

import json
from typing import Any

import aiosqlite

SIGNAL_PREFIX = "signal:"


async def add_contact(conn: aiosqlite.Connection, guild_id: str, platform_id: str, now: int) -> bool:
    """Remember that a member wrote to the bot in private; True the first time."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO signal_contact (guild_id, platform_id, since) VALUES (?, ?, ?)",
        (guild_id, platform_id, now),
    )
    return bool(cur.rowcount)


async def is_contact(conn: aiosqlite.Connection, guild_id: str, platform_id: str) -> bool:
    async with conn.execute(
        "SELECT 1 FROM signal_contact WHERE guild_id = ? AND platform_id = ?", (guild_id, platform_id)
    ) as cur:
        return await cur.fetchone() is not None


async def forget_contact(conn: aiosqlite.Connection, guild_id: str, platform_id: str) -> None:
    await conn.execute("DELETE FROM signal_contact WHERE guild_id = ? AND platform_id = ?", (guild_id, platform_id))


KEEP_MESSAGES_MS = 60 * 86400 * 1000  # a reaction on a message older than two months clicks nothing


async def remember_message(
    conn: aiosqlite.Connection, guild_id: str, timestamp: int, chat: str, components: list[dict[str, Any]], now: int
) -> None:
    """Keep a sent message's components (option values are member ids, never names); forget old ones."""
    await conn.execute("DELETE FROM signal_message WHERE guild_id = ? AND timestamp < ?",
                       (guild_id, timestamp - KEEP_MESSAGES_MS))
    await conn.execute(
        "INSERT INTO signal_message (guild_id, timestamp, chat, components, created_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (guild_id, timestamp) DO UPDATE SET chat = excluded.chat, components = excluded.components, "
        "created_at = excluded.created_at",
        (guild_id, timestamp, chat, json.dumps(components, ensure_ascii=False), now),
    )


async def message_components(
    conn: aiosqlite.Connection, guild_id: str, timestamp: int
) -> tuple[str, list[dict[str, Any]]] | None:
    async with conn.execute(
        "SELECT chat, components FROM signal_message WHERE guild_id = ? AND timestamp = ?", (guild_id, timestamp)
    ) as cur:
        row = await cur.fetchone()
    return (str(row[0]), json.loads(row[1])) if row else None


async def latest_with_component(
    conn: aiosqlite.Connection, guild_id: str, chats: list[str], prefix: str
) -> list[dict[str, Any]] | None:
    """The newest stored message in one of `chats` with a component whose id starts with `prefix`."""
    marks = ", ".join("?" for _ in chats)
    async with conn.execute(
        f"SELECT components FROM signal_message WHERE guild_id = ? AND chat IN ({marks}) "
        "AND instr(components, ?) > 0 ORDER BY timestamp DESC LIMIT 1",
        (guild_id, *chats, json.dumps(prefix)[:-1]),
    ) as cur:
        row = await cur.fetchone()
    return json.loads(row[0]) if row else None


async def purge_messages_before(conn: aiosqlite.Connection, guild_id: str, before: int) -> int:
    cur = await conn.execute("DELETE FROM signal_message WHERE guild_id = ? AND created_at < ?", (guild_id, before))
    return cur.rowcount


async def present_members(conn: aiosqlite.Connection, guild_id: str) -> dict[str, str]:
    """Signal members the bot counts as present: platform id → handle."""
    async with conn.execute(
        "SELECT platform_id, handle FROM member WHERE guild_id = ? AND left_at IS NULL AND erased = 0 "
        "AND substr(platform_id, 1, 7) = ?",
        (guild_id, SIGNAL_PREFIX),
    ) as cur:
        return {str(r[0]): str(r[1]) for r in await cur.fetchall()}


async def set_handle(conn: aiosqlite.Connection, guild_id: str, platform_id: str, handle: str) -> None:
    """A member's Signal profile name changed: the bot's name for them follows."""
    await conn.execute(
        "UPDATE member SET handle = ? WHERE guild_id = ? AND platform_id = ? AND erased = 0 AND handle != ?",
        (handle, guild_id, platform_id, handle),
    )


async def forget_sent_reply(conn: aiosqlite.Connection, outbox_id: int) -> None:
    """A command's reply, once delivered, is not kept (it named the member's Signal id in its target);
    its `outbox_subject` links go with it (ON DELETE CASCADE)."""
    await conn.execute("DELETE FROM outbox WHERE id = ? AND status = 'sent' AND kind = 'reply'", (outbox_id,))
