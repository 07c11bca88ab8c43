"""The skill catalogue: one row per normalized skill per community."""
from __future__ import annotations

import aiosqlite


async def ensure(conn: aiosqlite.Connection, guild_id: str, key: str, display: str) -> int:
    """The skill's id, created if new; an accented spelling replaces an unaccented one (électricité)."""
    await conn.execute(
        "INSERT INTO skill (guild_id, key, display) VALUES (?, ?, ?) ON CONFLICT (guild_id, key) DO UPDATE "
        "SET display = excluded.display WHERE skill.display = skill.key AND excluded.display != excluded.key",
        (guild_id, key, display),
    )
    async with conn.execute("SELECT id FROM skill WHERE guild_id = ? AND key = ?", (guild_id, key)) as cur:
        row = await cur.fetchone()
    return int(row[0])


async def ids_for_keys(conn: aiosqlite.Connection, guild_id: str, keys: list[str]) -> dict[str, int]:
    if not keys:
        return {}
    marks = ",".join("?" * len(keys))
    async with conn.execute(
        f"SELECT key, id FROM skill WHERE guild_id = ? AND key IN ({marks})", (guild_id, *keys)
    ) as cur:
        return {row[0]: row[1] for row in await cur.fetchall()}


async def by_key(conn: aiosqlite.Connection, guild_id: str, key: str) -> tuple[int, str] | None:
    """(id, display) of the skill with this matching key, if the community has it."""
    async with conn.execute("SELECT id, display FROM skill WHERE guild_id = ? AND key = ?", (guild_id, key)) as cur:
        row = await cur.fetchone()
    return (int(row[0]), str(row[1])) if row else None


async def members_using(conn: aiosqlite.Connection, skill_ids: list[int]) -> int:
    """How many distinct members offer or need any of these skills."""
    marks = ",".join("?" * len(skill_ids))
    async with conn.execute(
        f"SELECT COUNT(DISTINCT member_id) FROM member_skill WHERE skill_id IN ({marks})", skill_ids
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def merge(conn: aiosqlite.Connection, from_id: int, into_id: int) -> None:
    """Every use of one skill (profiles, requests) moves to another, then the first one is gone.

    Rows are inserted then deleted (never updated in place) so the routing triggers keep their
    derived tables (offer counts, offer pairs) exact; a member who had both keeps one.
    """
    await conn.execute(
        "INSERT OR IGNORE INTO member_skill (member_id, skill_id, kind) "
        "SELECT member_id, ?, kind FROM member_skill WHERE skill_id = ?", (into_id, from_id),
    )
    await conn.execute(
        "INSERT OR IGNORE INTO request_skill (request_id, skill_id) "
        "SELECT request_id, ? FROM request_skill WHERE skill_id = ?", (into_id, from_id),
    )
    await remove(conn, from_id)


async def remove(conn: aiosqlite.Connection, skill_id: int) -> None:
    """The skill leaves every profile and request, then the catalogue."""
    await conn.execute("DELETE FROM member_skill WHERE skill_id = ?", (skill_id,))
    await conn.execute("DELETE FROM request_skill WHERE skill_id = ?", (skill_id,))
    await conn.execute("DELETE FROM skill WHERE id = ?", (skill_id,))


async def rename(conn: aiosqlite.Connection, skill_id: int, key: str, display: str) -> None:
    await conn.execute("UPDATE skill SET key = ?, display = ? WHERE id = ?", (key, display, skill_id))
