"""Adoption: members who were on the server before the bot, made members without a newcomer's welcome."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

from storage.database import insert_rows, select_in


@dataclass(frozen=True)
class KnownMember:
    """What adoption needs to know about a platform user the bot may already have a row for."""

    id: int
    platform_id: str
    present: bool
    erased: bool
    charter_accepted_at: int | None
    onboarded: bool  # the bot saw them join (the newcomer flow is theirs)
    adopted: bool


async def known_members(
    conn: aiosqlite.Connection, guild_id: str, platform_ids: Sequence[str],
) -> dict[str, KnownMember]:
    """The rows the bot already has for these platform users, by platform id (one query per 500)."""
    rows = await select_in(
        conn, "SELECT m.id, m.platform_id, m.left_at IS NULL, m.erased, m.charter_accepted_at, "
        "EXISTS (SELECT 1 FROM onboarding_state o WHERE o.member_id = m.id), "
        "EXISTS (SELECT 1 FROM member_adoption a WHERE a.member_id = m.id) "
        "FROM member m WHERE m.guild_id = ? AND m.platform_id IN ({marks})", platform_ids, (guild_id,),
    )
    return {row[1]: KnownMember(row[0], row[1], bool(row[2]), bool(row[3]), row[4], bool(row[5]), bool(row[6]))
            for row in rows}


async def insert_members(
    conn: aiosqlite.Connection, guild_id: str, rows: Sequence[tuple[str, str, str | None, int]], now: int,
) -> None:
    """New member rows for (platform_id, name, locale, joined_at): present, with their real join date."""
    await insert_rows(
        conn, "INSERT OR IGNORE INTO member (guild_id, platform_id, handle, locale, joined_at, profile_updated_at, "
        "last_active_at) VALUES",
        [(guild_id, pid, name, locale, joined, now, now) for pid, name, locale, joined in rows],
    )


async def refresh_members(
    conn: aiosqlite.Connection, rows: Sequence[tuple[int, str, str | None, int]],
) -> None:
    """Existing rows of (member_id, name, locale, joined_at) brought in line with the server."""
    await conn.executemany(
        "UPDATE member SET handle = ?, locale = COALESCE(locale, ?), joined_at = ?, left_at = NULL WHERE id = ?",
        [(name, locale, joined, member_id) for member_id, name, locale, joined in rows],
    )


async def accept_charters(conn: aiosqlite.Connection, member_ids: Sequence[int]) -> None:
    """The charter counted as accepted from the day they joined (their tenure)."""
    await conn.executemany(
        "UPDATE member SET charter_accepted_at = joined_at WHERE id = ? AND charter_accepted_at IS NULL",
        [(member_id,) for member_id in member_ids],
    )


async def record_adoptions(conn: aiosqlite.Connection, member_ids: Sequence[int], charter: str, now: int) -> None:
    await conn.executemany(
        "INSERT OR IGNORE INTO member_adoption (member_id, adopted_at, charter) VALUES (?, ?, ?)",
        [(member_id, now, charter) for member_id in member_ids],
    )


async def ids_by_platform_id(conn: aiosqlite.Connection, guild_id: str, platform_ids: Sequence[str]) -> dict[str, int]:
    rows = await select_in(conn, "SELECT platform_id, id FROM member WHERE guild_id = ? AND platform_id IN ({marks})",
                           platform_ids, (guild_id,))
    return {row[0]: row[1] for row in rows}


async def add_roles(conn: aiosqlite.Connection, pairs: Sequence[tuple[int, str]]) -> None:
    await conn.executemany("INSERT OR IGNORE INTO member_role (member_id, role) VALUES (?, ?)", list(pairs))


async def is_adopted(conn: aiosqlite.Connection, member_id: int) -> bool:
    rows = await conn.execute_fetchall("SELECT 1 FROM member_adoption WHERE member_id = ?", (member_id,))
    return bool(rows)


async def adopt_one(conn: aiosqlite.Connection, member_id: int, joined_at: int, now: int) -> None:
    """A member who was on the server before the bot, met first through their own action (not `setup adopt`):
    their real join date, adopted with the charter theirs to accept."""
    await conn.execute("UPDATE member SET joined_at = ? WHERE id = ?", (joined_at, member_id))
    await record_adoptions(conn, [member_id], "send", now)


async def forget_adoption(conn: aiosqlite.Connection, member_id: int) -> None:
    """A member who left and comes back is a returning member, not an adopted one."""
    await conn.execute("DELETE FROM member_adoption WHERE member_id = ?", (member_id,))


async def count_adopted(conn: aiosqlite.Connection, guild_id: str) -> int:
    rows = await conn.execute_fetchall(
        "SELECT COUNT(*) FROM member_adoption a JOIN member m ON m.id = a.member_id WHERE m.guild_id = ?", (guild_id,)
    )
    return int(rows[0][0])
