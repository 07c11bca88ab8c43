"""Moderation cases: the audit log (actor, action, target, reason, time)."""
from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True)
class Case:
    """One audited action, with the handles of who acted and whom it concerned (None when nobody; a member
    erased since has the tombstone handle and `*_erased`, to be named in words)."""

    id: int
    action: str
    actor_handle: str | None
    actor_platform_id: str | None
    target_handle: str | None
    target_platform_id: str | None
    reason: str | None
    at: int
    until_at: int | None
    actor_erased: bool = False
    target_erased: bool = False


CASE_SELECT = (
    "SELECT c.id, c.action, a.handle, a.platform_id, t.handle, t.platform_id, c.reason, c.at, c.until_at, "
    "COALESCE(a.erased, 0) <> 0, COALESCE(t.erased, 0) <> 0 "
    "FROM mod_case c LEFT JOIN member a ON a.id = c.actor_id LEFT JOIN member t ON t.id = c.target_id "
)


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


def _case(row: aiosqlite.Row) -> Case:
    values = tuple(row)
    return Case(*values[:9], bool(values[9]), bool(values[10]))


async def cases_about(conn: aiosqlite.Connection, guild_id: str, target_id: int) -> list[Case]:
    """Every case concerning one member, oldest first (uses the mod_case_target index)."""
    async with conn.execute(
        CASE_SELECT + "WHERE c.target_id = ? AND c.guild_id = ? ORDER BY c.at, c.id", (target_id, guild_id)
    ) as cur:
        return [_case(row) for row in await cur.fetchall()]


async def all_cases(conn: aiosqlite.Connection, guild_id: str) -> list[Case]:
    """The whole audit log still kept, oldest first (for `entraide export`)."""
    async with conn.execute(CASE_SELECT + "WHERE c.guild_id = ? ORDER BY c.at, c.id", (guild_id,)) as cur:
        return [_case(row) for row in await cur.fetchall()]
