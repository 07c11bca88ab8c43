"""The bookkeeping of widened requests (issue 22): which are due, when they were widened, their rounds."""
from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.requests import REQUEST_COLUMNS, Request, _requests


async def request_by_id(conn: aiosqlite.Connection, request_id: int) -> tuple[str, int | None] | None:
    """(guild key, widened_at) of any request of the network, or None."""
    rows = await conn.execute_fetchall("SELECT guild_id, widened_at FROM request WHERE id = ?", (request_id,))
    return (str(rows[0][0]), rows[0][1]) if rows else None


async def widened_elsewhere(
    conn: aiosqlite.Connection, guild_ids: list[str], platform_id: str, statuses: tuple[str, ...],
    skill_key: str | None, limit: int,
) -> list[Request]:
    """The widened requests of the communities `guild_ids` (offered to the whole network) in `statuses`,
    for `request list` elsewhere: never the caller's own (a person is one platform id across places);
    `skill_key`: only those asking that skill (skills are each community's own rows, found by their key).
    Urgent first, then the longest waiting, as the local list."""
    if not guild_ids:
        return []
    places, marks = ",".join("?" * len(guild_ids)), ",".join("?" * len(statuses))
    sql = (f"SELECT {REQUEST_COLUMNS} FROM request WHERE guild_id IN ({places}) AND status IN ({marks}) "
           "AND widened_at IS NOT NULL AND (requester_id IS NULL OR requester_id NOT IN "
           "(SELECT id FROM member WHERE platform_id = ?))")
    params: list[object] = [*guild_ids, *statuses, platform_id]
    if skill_key is not None:
        sql += (" AND id IN (SELECT rs.request_id FROM request_skill rs JOIN skill s ON s.id = rs.skill_id "
                "WHERE s.key = ?)")
        params.append(skill_key)
    sql += " ORDER BY status = 'claimed', urgent DESC, created_at ASC, id ASC LIMIT ?"
    params.append(limit)
    return await _requests(conn, sql, params)


async def network_asked(conn: aiosqlite.Connection, request_id: int) -> int:
    """How many members of other communities the request's network rounds asked (0: never widened, or
    widened when nobody elsewhere could be asked)."""
    rows = await conn.execute_fetchall(
        "SELECT COUNT(DISTINCT p.helper_id) FROM request r JOIN request_ping p ON p.request_id = r.id "
        "JOIN member m ON m.id = p.helper_id WHERE r.id = ? AND r.widened_at IS NOT NULL "
        "AND m.guild_id != r.guild_id", (request_id,))
    return int(rows[0][0]) if rows else 0


async def mark_widened(conn: aiosqlite.Connection, request_id: int, at: int) -> None:
    await conn.execute("UPDATE request SET widened_at = COALESCE(widened_at, ?) WHERE id = ?", (at, request_id))


async def record_network_round(conn: aiosqlite.Connection, request_id: int, helper_ids: list[int], at: int) -> int:
    """The pings of a network round (they count for fairness and fatigue like local ones); its number."""
    rows = await conn.execute_fetchall(
        "UPDATE request SET network_rounds = network_rounds + 1, network_round_at = ?, "
        "first_ping_at = CASE WHEN first_ping_at IS NULL AND ? THEN ? ELSE first_ping_at END "
        "WHERE id = ? RETURNING network_rounds, rounds", (at, int(bool(helper_ids)), at, request_id))
    round_no = int(rows[0][1]) + int(rows[0][0]) if rows else 0
    await conn.executemany(
        "INSERT INTO request_ping (request_id, helper_id, round, at) VALUES (?, ?, ?, ?)",
        [(request_id, h, round_no, at) for h in helper_ids])
    return int(rows[0][0]) if rows else 0


@dataclass(frozen=True)
class WidenDue:
    request_id: int
    widened_at: int | None
    network_rounds: int


async def due_for_widening(
    conn: aiosqlite.Connection, guild_id: str, *, rounds: int, waited_since: int, round_before: int,
    max_rounds: int, limit: int,
) -> list[WidenDue]:
    """Open requests of the community the network should be offered: not yet widened, with at least
    `rounds` local rounds done and the last of them (or the opening) at or before `waited_since`; and
    widened ones whose last network round is older than `round_before`, with fewer than `max_rounds`."""
    rows = await conn.execute_fetchall(
        "SELECT id, widened_at, network_rounds FROM request WHERE guild_id = ? AND status = 'open' AND ("
        " (widened_at IS NULL AND rounds >= ? AND COALESCE(last_round_at, created_at) <= ?)"
        " OR (widened_at IS NOT NULL AND network_rounds < ? AND COALESCE(network_round_at, 0) <= ?)) "
        "ORDER BY created_at, id LIMIT ?",
        (guild_id, rounds, waited_since, max_rounds, round_before, limit))
    return [WidenDue(int(r[0]), r[1], int(r[2])) for r in rows]


async def never_offered_here(conn: aiosqlite.Connection, guild_id: str, limit: int) -> list[int]:
    """Open, never widened requests of the community for which nobody here offers any requested skill."""
    rows = await conn.execute_fetchall(
        "SELECT r.id FROM request r WHERE r.guild_id = ? AND r.status = 'open' AND r.widened_at IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM request_skill rs JOIN member_skill ms ON ms.skill_id = rs.skill_id "
        "AND ms.kind = 'offer' AND ms.walk_routable = 1 WHERE rs.request_id = r.id AND ms.member_id != "
        "COALESCE(r.requester_id, -1)) ORDER BY r.created_at, r.id LIMIT ?", (guild_id, limit))
    return [int(r[0]) for r in rows]
