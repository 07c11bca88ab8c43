"""Profiles: a member's offered and needed skills, the directory and the skill counts."""
from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.database import select_in

OFFER, NEED = "offer", "need"

# Members who count in the directory and in skill counts: present, not erased.
_PRESENT = "m.left_at IS NULL AND m.erased = 0"


@dataclass(frozen=True)
class SkillCount:
    skill: str
    offered: int
    needed: int


async def replace_skills(conn: aiosqlite.Connection, member_id: int, kind: str, skill_ids: list[int]) -> None:
    """The member's whole `kind` list becomes `skill_ids` (one delete, one batch insert)."""
    await conn.execute("DELETE FROM member_skill WHERE member_id = ? AND kind = ?", (member_id, kind))
    await conn.executemany(
        "INSERT OR IGNORE INTO member_skill (member_id, skill_id, kind) VALUES (?, ?, ?)",
        [(member_id, skill_id, kind) for skill_id in skill_ids],
    )


async def skills_of(conn: aiosqlite.Connection, member_id: int) -> dict[str, list[str]]:
    """{"offer": [display...], "need": [...]}, each sorted by the matching key (accents ignored)."""
    result: dict[str, list[str]] = {OFFER: [], NEED: []}
    async with conn.execute(
        "SELECT ms.kind, s.display FROM member_skill ms JOIN skill s ON s.id = ms.skill_id "
        "WHERE ms.member_id = ? ORDER BY s.key", (member_id,),
    ) as cur:
        for kind, display in await cur.fetchall():
            result[kind].append(display)
    return result


async def helped_count(conn: aiosqlite.Connection, member_id: int) -> int:
    """How many resolved requests the member helped on."""
    async with conn.execute(
        "SELECT COUNT(*) FROM request_helper h JOIN request r ON r.id = h.request_id "
        "WHERE h.helper_id = ? AND r.status = 'resolved'", (member_id,),
    ) as cur:
        row = await cur.fetchone()
    return int(row[0])


async def handle_of(conn: aiosqlite.Connection, member_id: int | None) -> str | None:
    """A member's handle, or None when unknown or erased."""
    if member_id is None:
        return None
    async with conn.execute("SELECT handle FROM member WHERE id = ? AND erased = 0", (member_id,)) as cur:
        row = await cur.fetchone()
    return row[0] if row else None


async def directory(conn: aiosqlite.Connection, guild_id: str, skill_id: int,
                    limit: int) -> list[tuple[str, str]]:
    """(handle, platform id) of visible, present, active members offering the skill: available first,
    then the ones who helped most, then the longest-standing members."""
    async with conn.execute(
        "SELECT m.handle, m.platform_id FROM member_skill ms JOIN member m ON m.id = ms.member_id "
        "LEFT JOIN (SELECT h.helper_id AS member_id, COUNT(*) AS helped FROM request_helper h "
        "  JOIN request r ON r.id = h.request_id JOIN member_skill x ON x.member_id = h.helper_id "
        "  WHERE r.status = 'resolved' AND x.skill_id = ? AND x.kind = 'offer' GROUP BY h.helper_id) hc "
        "  ON hc.member_id = m.id "
        f"WHERE ms.skill_id = ? AND ms.kind = 'offer' AND m.guild_id = ? AND {_PRESENT} "
        "AND m.visible = 1 AND m.active = 1 "
        "ORDER BY m.available DESC, COALESCE(hc.helped, 0) DESC, m.joined_at, m.id LIMIT ?",
        (skill_id, skill_id, guild_id, limit),
    ) as cur:
        return [(row[0], row[1]) for row in await cur.fetchall()]


async def skill_counts(conn: aiosqlite.Connection, guild_id: str) -> list[SkillCount]:
    """Every skill of the community with how many present members with a visible profile offer and need
    it (a hidden profile is not counted, as `directory` does not list it); a skill only hidden profiles
    name is not listed (it is their words), one a request asked for is, even at 0."""
    async with conn.execute(
        "SELECT s.display, COALESCE(c.offered, 0), COALESCE(c.needed, 0) FROM skill s LEFT JOIN ("
        "  SELECT ms.skill_id, SUM(CASE WHEN ms.kind = 'offer' THEN 1 ELSE 0 END) AS offered, "
        "  SUM(CASE WHEN ms.kind = 'need' THEN 1 ELSE 0 END) AS needed "
        "  FROM member_skill ms JOIN member m ON m.id = ms.member_id "
        f"  WHERE m.guild_id = ? AND {_PRESENT} AND m.visible = 1 GROUP BY ms.skill_id) c ON c.skill_id = s.id "
        "WHERE s.guild_id = ? AND (c.skill_id IS NOT NULL OR EXISTS (SELECT 1 FROM request_skill rs "
        "WHERE rs.skill_id = s.id) OR NOT EXISTS (SELECT 1 FROM member_skill x WHERE x.skill_id = s.id)) "
        "ORDER BY s.key",
        (guild_id, guild_id),
    ) as cur:
        return [SkillCount(row[0], int(row[1]), int(row[2])) for row in await cur.fetchall()]


async def member_ids_by_handles(conn: aiosqlite.Connection, guild_id: str, refs: list[str]) -> dict[str, int]:
    """Platform ids or handles (case-insensitive) → member ids, for the spreadsheet import."""
    rows = await select_in(
        conn, "SELECT platform_id, id FROM member WHERE guild_id = ? AND erased = 0 AND platform_id IN ({marks})",
        refs, (guild_id,))
    found: dict[str, int] = {row[0]: row[1] for row in rows}
    missing = [ref for ref in refs if ref not in found]
    rows = await select_in(  # in each statement the last row of a handle wins: a present member, the oldest
        conn, "SELECT handle, id FROM member WHERE guild_id = ? AND erased = 0 "
        "AND lower(handle) IN ({marks}) ORDER BY left_at IS NOT NULL DESC, id DESC",
        [ref.lower() for ref in missing], (guild_id,))
    by_lower = {row[0].lower(): row[1] for row in rows}
    for ref in missing:
        if ref.lower() in by_lower:
            found[ref] = by_lower[ref.lower()]
    return found


async def add_skills(conn: aiosqlite.Connection, member_id: int, kind: str, skill_ids: list[int]) -> None:
    """`profile set add_skills` / `add_needs`: these join the member's list (already there: unchanged)."""
    await conn.executemany(
        "INSERT OR IGNORE INTO member_skill (member_id, skill_id, kind) VALUES (?, ?, ?)",
        [(member_id, skill_id, kind) for skill_id in skill_ids],
    )


async def remove_skills(conn: aiosqlite.Connection, member_id: int, kind: str, skill_ids: list[int]) -> None:
    await conn.executemany(
        "DELETE FROM member_skill WHERE member_id = ? AND skill_id = ? AND kind = ?",
        [(member_id, skill_id, kind) for skill_id in skill_ids],
    )


async def count_skills(conn: aiosqlite.Connection, member_id: int, kind: str) -> int:
    async with conn.execute(
        "SELECT COUNT(*) FROM member_skill WHERE member_id = ? AND kind = ?", (member_id, kind)
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0
