"""What autocomplete may offer, read-only: skills by use, a member's requests and reminders, nominees.

Every query is bounded (`limit`): autocomplete answers within Discord's 3 s on every keystroke, and the
service filters the rows it gets (accents ignored) before keeping 25 of them.
"""
from __future__ import annotations

import aiosqlite

from storage.requests import OPEN_STATUSES

_OPEN = ",".join(f"'{status}'" for status in OPEN_STATUSES)


def _like(needle: str) -> str:
    """A LIKE pattern that finds `needle` anywhere, its own % and _ taken literally (ESCAPE '\\')."""
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def skills_matching(conn: aiosqlite.Connection, guild_id: str, key: str, limit: int) -> list[str]:
    """Skills whose matching key holds `key` (already case- and accent-folded): those starting with it
    first, then the most used (offered, needed or asked for), then alphabetically."""
    async with conn.execute(
        "SELECT s.display FROM skill s WHERE s.guild_id = ? AND s.key LIKE ? ESCAPE '\\' "
        "ORDER BY substr(s.key, 1, ?) = ? DESC, "
        "(SELECT COUNT(*) FROM member_skill ms WHERE ms.skill_id = s.id) "
        "+ (SELECT COUNT(*) FROM request_skill rs WHERE rs.skill_id = s.id) DESC, s.key LIMIT ?",
        (guild_id, _like(key), len(key), key, limit),
    ) as cur:
        return [str(row[0]) for row in await cur.fetchall()]


async def requests_for(
    conn: aiosqlite.Connection, guild_id: str, member_id: int, purpose: str, limit: int,
) -> list[tuple[int, str]]:
    """(id, title) of still-open requests, newest first: `mine` (asked by the member), `mine_or_helping`
    (asked or claimed by them), `others` (anyone else's: what they could claim), `any`."""
    where = {
        "mine": "r.requester_id = :me",
        "mine_or_helping": "(r.requester_id = :me OR EXISTS (SELECT 1 FROM request_helper h "
                           "WHERE h.request_id = r.id AND h.helper_id = :me))",
        "others": "(r.requester_id IS NULL OR r.requester_id != :me) AND r.status = 'open'",
        "any": "1 = 1",
    }[purpose]
    async with conn.execute(
        f"SELECT r.id, r.title FROM request r WHERE r.guild_id = :guild AND r.status IN ({_OPEN}) AND {where} "
        "ORDER BY r.created_at DESC, r.id DESC LIMIT :limit",
        {"guild": guild_id, "me": member_id, "limit": limit},
    ) as cur:
        return [(int(row[0]), str(row[1])) for row in await cur.fetchall()]


async def reminders_by(conn: aiosqlite.Connection, guild_id: str, member_id: int, limit: int) -> list[tuple[int, str]]:
    """(id, text) of the reminders the member scheduled that will still be posted, soonest first."""
    async with conn.execute(
        "SELECT id, text FROM reminder WHERE guild_id = ? AND created_by = ? AND next_at IS NOT NULL "
        "ORDER BY next_at, id LIMIT ?",
        (guild_id, member_id, limit),
    ) as cur:
        return [(int(row[0]), str(row[1])) for row in await cur.fetchall()]


async def nominable_members(
    conn: aiosqlite.Connection, guild_id: str, exclude: list[int], limit: int,
) -> list[tuple[str, str]]:
    """(platform_id, handle) of present, active, not erased members who accepted the charter, by name
    (not by activity: suggestions must not rank people); `exclude`: the caller, last month's winner."""
    marks = ",".join("?" * len(exclude)) or "NULL"
    async with conn.execute(
        "SELECT platform_id, handle FROM member WHERE guild_id = ? AND left_at IS NULL AND erased = 0 "
        f"AND active = 1 AND charter_accepted_at IS NOT NULL AND id NOT IN ({marks}) "
        "ORDER BY handle COLLATE NOCASE, id LIMIT ?",
        (guild_id, *exclude, limit),
    ) as cur:
        return [(str(row[0]), str(row[1])) for row in await cur.fetchall()]
