"""Members: who is in the community, their platform identity, status and roles."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import aiosqlite

MEMBER_COLUMNS = (
    "id, guild_id, platform_id, handle, locale, timezone, joined_at, left_at, active, "
    "charter_accepted_at, godparent_id, godparent_since, godparent_volunteer, last_godchild_at, bio, "
    "languages, quiet_start, quiet_end, available, nudges, visible, dms_closed, profile_updated_at, "
    "last_active_at, erased"
)
MEMBER_COLUMNS_M = ", ".join("m." + c.strip() for c in MEMBER_COLUMNS.split(","))  # the same, of `member m`


@dataclass(frozen=True)
class Member:
    id: int
    guild_id: str
    platform_id: str
    handle: str
    locale: str | None
    timezone: str | None
    joined_at: int
    left_at: int | None
    active: bool
    charter_accepted_at: int | None
    godparent_id: int | None
    godparent_since: int | None
    godparent_volunteer: bool
    last_godchild_at: int | None
    bio: str | None
    languages: str
    quiet_start: int | None
    quiet_end: int | None
    available: bool
    nudges: bool
    visible: bool
    dms_closed: bool
    profile_updated_at: int | None
    last_active_at: int | None
    erased: bool

    @property
    def language_list(self) -> list[str]:
        return [lang for lang in self.languages.split(",") if lang]

    @property
    def present(self) -> bool:
        return self.left_at is None


def _member(row: aiosqlite.Row | None) -> Member | None:
    if row is None:
        return None
    values = list(row)
    for i in (8, 12, 18, 19, 20, 21, 24):  # booleans
        values[i] = bool(values[i])
    return Member(*values)


async def _one(conn: aiosqlite.Connection, sql: str, params: Iterable) -> Member | None:
    """One member or None, in one round trip to the database thread (execute_fetchall)."""
    rows = await conn.execute_fetchall(sql, tuple(params))
    return _member(next(iter(rows), None))


async def by_id(conn: aiosqlite.Connection, member_id: int) -> Member | None:
    return await _one(conn, f"SELECT {MEMBER_COLUMNS} FROM member WHERE id = ?", (member_id,))


async def by_platform_id(conn: aiosqlite.Connection, guild_id: str, platform_id: str) -> Member | None:
    return await _one(
        conn, f"SELECT {MEMBER_COLUMNS} FROM member WHERE guild_id = ? AND platform_id = ?",
        (guild_id, platform_id),
    )


async def by_reference(conn: aiosqlite.Connection, guild_id: str, ref: str) -> Member | None:
    """A member by platform id, else by handle (case-insensitive), present members first."""
    found = await by_platform_id(conn, guild_id, ref)
    if found is not None:
        return found
    found = await _one(
        conn,
        f"SELECT {MEMBER_COLUMNS} FROM member WHERE guild_id = ? AND handle = ? COLLATE NOCASE "
        "AND erased = 0 ORDER BY left_at IS NOT NULL, id LIMIT 1",
        (guild_id, ref),
    )
    if found is not None or ref.isascii():
        return found
    # SQLite's NOCASE folds ASCII letters only (PostgreSQL's collation folds them all): `ÉMILE` is `émile`
    # on both engines, compared here among the few handles of the same length.
    rows = await conn.execute_fetchall(
        f"SELECT {MEMBER_COLUMNS} FROM member WHERE guild_id = ? AND length(handle) = ? AND erased = 0 "
        "ORDER BY left_at IS NOT NULL, id",
        (guild_id, len(ref)),
    )
    folded = ref.casefold()
    return _member(next((row for row in rows if str(row[3]).casefold() == folded), None))


async def many_by_id(conn: aiosqlite.Connection, ids: Iterable[int]) -> dict[int, Member]:
    ids = list(ids)
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = await conn.execute_fetchall(f"SELECT {MEMBER_COLUMNS} FROM member WHERE id IN ({marks})", ids)
    return {m.id: m for m in map(_member, rows) if m is not None}


async def insert(
    conn: aiosqlite.Connection, guild_id: str, platform_id: str, handle: str, locale: str | None, now: int
) -> Member:
    await conn.execute(
        "INSERT INTO member (guild_id, platform_id, handle, locale, joined_at, profile_updated_at, "
        "last_active_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (guild_id, platform_id, handle, locale, now, now, now),
    )
    member = await by_platform_id(conn, guild_id, platform_id)
    assert member is not None
    return member


async def update_fields(conn: aiosqlite.Connection, member_id: int, **fields: object) -> None:
    """Set named columns of one member (names come from code, never from users)."""
    if not fields:
        return
    for name in fields:
        assert name.isidentifier() and name in MEMBER_COLUMNS, name
    assignments = ", ".join(f"{name} = ?" for name in fields)
    await conn.execute(f"UPDATE member SET {assignments} WHERE id = ?", (*fields.values(), member_id))


async def roles(conn: aiosqlite.Connection, member_id: int) -> frozenset[str]:
    found = await conn.execute_fetchall("SELECT role FROM member_role WHERE member_id = ?", (member_id,))
    return frozenset(row[0] for row in found)


async def add_role(conn: aiosqlite.Connection, member_id: int, role: str) -> None:
    await conn.execute("INSERT OR IGNORE INTO member_role (member_id, role) VALUES (?, ?)", (member_id, role))


async def remove_role(conn: aiosqlite.Connection, member_id: int, role: str) -> None:
    await conn.execute("DELETE FROM member_role WHERE member_id = ? AND role = ?", (member_id, role))


async def with_role(conn: aiosqlite.Connection, guild_id: str, role: str) -> list[Member]:
    found = await conn.execute_fetchall(
        f"SELECT {MEMBER_COLUMNS_M} FROM member m "
        "JOIN member_role r ON r.member_id = m.id WHERE m.guild_id = ? AND r.role = ? ORDER BY m.id",
        (guild_id, role),
    )
    return [m for m in map(_member, found) if m is not None]
