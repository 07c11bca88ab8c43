"""The network's vitality (issue 22): members of each community, help across communities, unmet skills."""
from __future__ import annotations

import json

import aiosqlite


async def members_by_place(conn: aiosqlite.Connection, guild_ids: list[str]) -> dict[str, int]:
    """Present members (charter accepted) of each community."""
    rows = await conn.execute_fetchall(
        "SELECT guild_id, COUNT(*) FROM member WHERE guild_id IN (SELECT value FROM json_each(?)) "
        "AND left_at IS NULL AND erased = 0 AND charter_accepted_at IS NOT NULL GROUP BY guild_id",
        (json.dumps(guild_ids),))
    return {str(r[0]): int(r[1]) for r in rows}


async def cross_help(
    conn: aiosqlite.Connection, guild_ids: list[str], start: int, end: int,
) -> tuple[dict[str, int], dict[str, int]]:
    """Claims in [start, end] by a member of one community on a request of another: (given by each
    community's members, received by each community's requests)."""
    rows = await conn.execute_fetchall(
        "SELECT m.guild_id, r.guild_id, COUNT(*) FROM request_helper h JOIN request r ON r.id = h.request_id "
        "JOIN member m ON m.id = h.helper_id WHERE h.claimed_at >= ? AND h.claimed_at <= ? "
        "AND m.guild_id != r.guild_id AND r.guild_id IN (SELECT value FROM json_each(?)) GROUP BY 1, 2",
        (start, end, json.dumps(guild_ids)))
    given: dict[str, int] = {}
    received: dict[str, int] = {}
    for helper_place, request_place, count in rows:
        given[str(helper_place)] = given.get(str(helper_place), 0) + int(count)
        received[str(request_place)] = received.get(str(request_place), 0) + int(count)
    return given, received


async def unmet_here(conn: aiosqlite.Connection, guild_id: str, start: int, end: int) -> list[tuple[str, str]]:
    """(key, display) of the community's skills asked for in the window that nobody there offers."""
    rows = await conn.execute_fetchall(
        "SELECT s.key, s.display FROM skill s WHERE s.guild_id = ? AND NOT EXISTS (SELECT 1 FROM member_skill ms "
        "JOIN member m ON m.id = ms.member_id WHERE ms.skill_id = s.id AND ms.kind = 'offer' AND m.left_at IS NULL "
        "AND m.active = 1 AND m.available = 1 AND m.erased = 0) AND EXISTS (SELECT 1 FROM request_skill rs "
        "CROSS JOIN request r ON r.id = rs.request_id WHERE rs.skill_id = s.id AND r.guild_id = ? "
        "AND r.created_at >= ? AND r.created_at <= ? AND r.status != 'closed') ORDER BY s.key",
        (guild_id, guild_id, start, end))
    return [(str(r[0]), str(r[1])) for r in rows]


async def offered_in_network(conn: aiosqlite.Connection, keys: list[str]) -> set[str]:
    """Of these skill keys, those a network-visible member offers somewhere."""
    if not keys:
        return set()
    rows = await conn.execute_fetchall(
        "SELECT DISTINCT skill_key FROM network_offer WHERE skill_key IN (SELECT value FROM json_each(?))",
        (json.dumps(keys),))
    return {str(r[0]) for r in rows}
