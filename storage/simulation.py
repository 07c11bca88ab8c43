"""The simulator's SQL: a real community's counts (read-only), and a synthetic community's members
written in bulk before its weeks are played through the services."""
from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from storage.database import insert_rows


@dataclass(frozen=True)
class CommunityCounts:
    members: int
    offers_per_member: list[int]
    offers_per_skill: list[int]  # most offered first
    languages: dict[str, int]
    timezones: dict[str | None, int]
    quiet: int
    available: int
    volunteers: int
    requests: int  # in the last `weeks` weeks before the latest request
    joins: int
    leaves: int


def community_counts(path: Path | str, guild_id: str | None, weeks: int) -> CommunityCounts:
    """Counts only (no name, handle or text leaves this function)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT guild_id FROM member GROUP BY guild_id ORDER BY COUNT(*) DESC LIMIT 1").fetchone()
        guild = guild_id or (row[0] if row else "")
        present = "m.guild_id = ? AND m.left_at IS NULL AND m.erased = 0"
        members = conn.execute(f"SELECT COUNT(*) FROM member m WHERE {present}", (guild,)).fetchone()[0]
        languages = dict(conn.execute(
            f"SELECT COALESCE(NULLIF(REPLACE(LOWER(m.languages), ' ', ''), ''), 'fr'), COUNT(*) FROM member m "
            f"WHERE {present} GROUP BY 1", (guild,)).fetchall())
        zones = dict(conn.execute(f"SELECT m.timezone, COUNT(*) FROM member m WHERE {present} GROUP BY 1",
                                  (guild,)).fetchall())
        quiet, available, volunteers = conn.execute(
            f"SELECT COALESCE(SUM(m.quiet_start IS NOT NULL), 0), COALESCE(SUM(m.available), 0), "
            f"COALESCE(SUM(m.godparent_volunteer), 0) FROM member m WHERE {present}", (guild,)).fetchone()
        per_member = [n for (n,) in conn.execute(
            f"SELECT (SELECT COUNT(*) FROM member_skill s WHERE s.member_id = m.id AND s.kind = 'offer') "
            f"FROM member m WHERE {present}", (guild,)).fetchall()]
        per_skill = sorted((n for (n,) in conn.execute(
            f"SELECT COUNT(*) FROM member_skill ms JOIN member m ON m.id = ms.member_id "
            f"WHERE {present} AND ms.kind = 'offer' GROUP BY ms.skill_id", (guild,)).fetchall()), reverse=True)
        last = conn.execute("SELECT MAX(created_at) FROM request WHERE guild_id = ?", (guild,)).fetchone()[0]
        since = (last or 0) - weeks * 7 * 86400
        requests = conn.execute("SELECT COUNT(*) FROM request WHERE guild_id = ? AND created_at > ?",
                                (guild, since)).fetchone()[0] if last else 0
        joins = conn.execute("SELECT COUNT(*) FROM member WHERE guild_id = ? AND joined_at > ?",
                             (guild, since)).fetchone()[0] if last else 0
        leaves = conn.execute("SELECT COUNT(*) FROM member WHERE guild_id = ? AND left_at > ?",
                              (guild, since)).fetchone()[0] if last else 0
    finally:
        conn.close()
    return CommunityCounts(members, per_member, per_skill, languages, zones, quiet, available, volunteers,
                           requests, joins, leaves)


async def seed_members(
    conn: aiosqlite.Connection, guild_id: str, rows: Sequence[Sequence[object]], roles: Sequence[str],
) -> None:
    """Members as (id, platform_id, handle, locale, timezone, joined_at, charter_accepted_at,
    godparent_volunteer, languages, quiet_start, quiet_end, available, last_active_at, godparent_id,
    godparent_since), each with `roles`; pairings are written once every member exists."""
    await insert_rows(
        conn,
        "INSERT INTO member (id, guild_id, platform_id, handle, locale, timezone, joined_at, charter_accepted_at, "
        "godparent_volunteer, languages, quiet_start, quiet_end, available, last_active_at, profile_updated_at) VALUES",
        [(r[0], guild_id, *r[1:13], r[5]) for r in rows],
    )
    await _ids_go_past(conn, "member")
    await conn.executemany("UPDATE member SET godparent_id = ?, godparent_since = ? WHERE id = ?",
                           [(r[13], r[14], r[0]) for r in rows if r[13] is not None])
    await conn.executemany("UPDATE member SET last_godchild_at = MAX(COALESCE(last_godchild_at, 0), ?) WHERE id = ?",
                           [(r[14], r[13]) for r in rows if r[13] is not None])
    await insert_rows(conn, "INSERT OR IGNORE INTO member_role (member_id, role) VALUES",
                      [(r[0], role) for r in rows for role in roles])


async def _ids_go_past(conn: aiosqlite.Connection, table: str) -> None:
    """Rows written with their own ids: PostgreSQL's identity does not see them (SQLite's rowid
    does), so the next id it hands out is moved past them, or the next join collides."""
    from storage.pg_connection import PgConnection

    if isinstance(conn, PgConnection):
        await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")


async def seed_offers(
    conn: aiosqlite.Connection, guild_id: str, skills: Sequence[tuple[str, str]], offers: Sequence[tuple[int, int]],
) -> dict[str, int]:
    """The skills (key, display) and offers (member id, index in `skills`); the skill ids by key."""
    ids: dict[str, int] = {}
    for key, display in skills:
        await conn.execute("INSERT OR IGNORE INTO skill (guild_id, key, display) VALUES (?, ?, ?)",
                           (guild_id, key, display))
        async with conn.execute("SELECT id FROM skill WHERE guild_id = ? AND key = ?", (guild_id, key)) as cur:
            row = await cur.fetchone()
        assert row is not None
        ids[key] = int(row[0])
    keys = [k for k, _ in skills]
    await insert_rows(conn, "INSERT OR IGNORE INTO member_skill (member_id, skill_id, kind) VALUES",
                      [(member_id, ids[keys[i]], "offer") for member_id, i in offers])
    return ids
