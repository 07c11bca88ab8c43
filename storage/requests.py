"""Help requests: the request, its skills, its pings and its helpers (routing is in storage/routing.py)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import aiosqlite

from storage import members as members_repo
from storage.members import Member

OPEN_STATUSES = ("open", "claimed")
REQUEST_COLUMNS = (
    "id, guild_id, requester_id, title, details, urgent, status, rounds, escalated_at, created_at, "
    "first_ping_at, last_round_at, claimed_at, resolved_at, followup_at"
)


@dataclass(frozen=True)
class Request:
    id: int
    guild_id: str
    requester_id: int | None
    title: str
    details: str
    urgent: bool
    status: str
    rounds: int
    escalated_at: int | None
    created_at: int
    first_ping_at: int | None
    last_round_at: int | None
    claimed_at: int | None
    resolved_at: int | None
    followup_at: int | None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def _request(row: aiosqlite.Row | None) -> Request | None:
    if row is None:
        return None
    values = list(row)
    values[5] = bool(values[5])
    return Request(*values)


async def _requests(conn: aiosqlite.Connection, sql: str, params: Iterable) -> list[Request]:
    async with conn.execute(sql, tuple(params)) as cur:
        return [r for r in map(_request, await cur.fetchall()) if r is not None]


async def insert(
    conn: aiosqlite.Connection, guild_id: str, requester_id: int, title: str, details: str, urgent: bool, now: int
) -> int:
    cur = await conn.execute(
        "INSERT INTO request (guild_id, requester_id, title, details, urgent, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, requester_id, title, details, int(urgent), now),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def add_skills(conn: aiosqlite.Connection, request_id: int, skill_ids: list[int]) -> None:
    await conn.executemany(
        "INSERT OR IGNORE INTO request_skill (request_id, skill_id) VALUES (?, ?)",
        [(request_id, skill_id) for skill_id in skill_ids],
    )


async def by_id(conn: aiosqlite.Connection, guild_id: str, request_id: int) -> Request | None:
    rows = await conn.execute_fetchall(
        f"SELECT {REQUEST_COLUMNS} FROM request WHERE id = ? AND guild_id = ?", (request_id, guild_id))
    return _request(next(iter(rows), None))


async def skill_names(conn: aiosqlite.Connection, request_ids: list[int]) -> dict[int, list[str]]:
    """Display names of each request's skills, alphabetical."""
    if not request_ids:
        return {}
    marks = ",".join("?" * len(request_ids))
    found: dict[int, list[str]] = {rid: [] for rid in request_ids}
    async with conn.execute(
        f"SELECT rs.request_id, s.display FROM request_skill rs JOIN skill s ON s.id = rs.skill_id "
        f"WHERE rs.request_id IN ({marks}) ORDER BY s.key",
        request_ids,
    ) as cur:
        for row in await cur.fetchall():
            found[row[0]].append(row[1])
    return found


async def count_open_by(conn: aiosqlite.Connection, requester_id: int) -> int:
    async with conn.execute(
        "SELECT COUNT(*) FROM request WHERE requester_id = ? AND status IN ('open', 'claimed')", (requester_id,)
    ) as cur:
        row = await cur.fetchone()
    return int(row[0])


async def record_round(
    conn: aiosqlite.Connection, request_id: int, helper_ids: list[int], round_no: int, at: int
) -> None:
    """Every ping is kept (fairness, fatigue, vitality) and the round is counted on the request."""
    await conn.executemany(
        "INSERT INTO request_ping (request_id, helper_id, round, at) VALUES (?, ?, ?, ?)",
        [(request_id, helper_id, round_no, at) for helper_id in helper_ids],
    )
    await conn.execute(
        "UPDATE request SET rounds = ?, last_round_at = ?, next_round_at = NULL, "
        "first_ping_at = CASE WHEN first_ping_at IS NULL AND ? THEN ? ELSE first_ping_at END WHERE id = ?",
        (round_no, at, int(bool(helper_ids)), at, request_id),
    )


async def defer_round(conn: aiosqlite.Connection, request_id: int, at: int) -> None:
    """Nobody reachable now: the next round is due when the first candidate wakes (no round counted)."""
    await conn.execute("UPDATE request SET next_round_at = ? WHERE id = ?", (at, request_id))


async def next_round_at(conn: aiosqlite.Connection, request_id: int) -> int | None:
    async with conn.execute("SELECT next_round_at FROM request WHERE id = ?", (request_id,)) as cur:
        row = await cur.fetchone()
    return None if row is None or row[0] is None else int(row[0])


async def pinged_members(conn: aiosqlite.Connection, request_id: int) -> list[Member]:
    """Present members pinged for a request, in ping order."""
    async with conn.execute(
        f"SELECT {members_repo.MEMBER_COLUMNS_M} FROM member m WHERE m.left_at IS NULL AND m.erased = 0 AND m.id IN "
        "(SELECT helper_id FROM request_ping WHERE request_id = ?) ORDER BY m.id",
        (request_id,),
    ) as cur:
        return [m for m in map(members_repo._member, await cur.fetchall()) if m is not None]


async def pinged_at(conn: aiosqlite.Connection, request_id: int) -> list[tuple[int, int, int]]:
    """(helper_id, round, at) for every ping of a request."""
    async with conn.execute(
        "SELECT helper_id, round, at FROM request_ping WHERE request_id = ? ORDER BY id", (request_id,)
    ) as cur:
        return [(r[0], r[1], r[2]) for r in await cur.fetchall()]


# Helpers ------------------------------------------------------------------------------------

async def helper_members(conn: aiosqlite.Connection, request_id: int) -> list[Member]:
    async with conn.execute(
        f"SELECT {members_repo.MEMBER_COLUMNS_M} FROM request_helper h JOIN member m ON m.id = h.helper_id "
        "WHERE h.request_id = ? ORDER BY h.claimed_at, m.id",
        (request_id,),
    ) as cur:
        return [m for m in map(members_repo._member, await cur.fetchall()) if m is not None]


async def is_helper(conn: aiosqlite.Connection, request_id: int, member_id: int) -> bool:
    async with conn.execute(
        "SELECT 1 FROM request_helper WHERE request_id = ? AND helper_id = ?", (request_id, member_id)
    ) as cur:
        return await cur.fetchone() is not None


async def claim(conn: aiosqlite.Connection, request_id: int, helper_id: int, now: int, max_helpers: int) -> bool:
    """Add a helper only while the request is open and has room: a conditional write, so two claims
    racing for the last place cannot both win."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO request_helper (request_id, helper_id, claimed_at) "
        "SELECT ?, ?, ? WHERE (SELECT status FROM request WHERE id = ?) IN ('open', 'claimed') "
        "AND (SELECT COUNT(*) FROM request_helper WHERE request_id = ?) < ?",
        (request_id, helper_id, now, request_id, request_id, max_helpers),
    )
    if cur.rowcount != 1:
        return False
    await conn.execute(
        "UPDATE request SET status = 'claimed', claimed_at = COALESCE(claimed_at, ?) WHERE id = ?",
        (now, request_id),
    )
    return True


async def add_helper(conn: aiosqlite.Connection, request_id: int, helper_id: int, now: int) -> None:
    """Record who helped (e.g. thanked on resolve) without touching the claim measures."""
    await conn.execute(
        "INSERT OR IGNORE INTO request_helper (request_id, helper_id, claimed_at) VALUES (?, ?, ?)",
        (request_id, helper_id, now),
    )


async def helper_count(conn: aiosqlite.Connection, request_id: int) -> int:
    async with conn.execute("SELECT COUNT(*) FROM request_helper WHERE request_id = ?", (request_id,)) as cur:
        row = await cur.fetchone()
    return int(row[0])


async def remove_helper(conn: aiosqlite.Connection, request_id: int, helper_id: int) -> None:
    """A helper drops out: the request is open again when nobody else helps."""
    await conn.execute("DELETE FROM request_helper WHERE request_id = ? AND helper_id = ?", (request_id, helper_id))
    await conn.execute(
        "UPDATE request SET status = 'open', followup_at = NULL WHERE id = ? AND status = 'claimed' "
        "AND NOT EXISTS (SELECT 1 FROM request_helper WHERE request_id = ?)",
        (request_id, request_id),
    )


# Status -------------------------------------------------------------------------------------

async def finish(conn: aiosqlite.Connection, request_id: int, status: str, now: int) -> bool:
    """open/claimed → resolved, cancelled or closed; False when it was already finished."""
    assert status in ("resolved", "cancelled", "closed"), status
    cur = await conn.execute(
        "UPDATE request SET status = ?, resolved_at = CASE WHEN ? = 'resolved' THEN ? ELSE resolved_at END "
        "WHERE id = ? AND status IN ('open', 'claimed')",
        (status, status, now, request_id),
    )
    return cur.rowcount == 1


async def mark_escalated(conn: aiosqlite.Connection, request_id: int, now: int) -> None:
    await conn.execute(
        "UPDATE request SET escalated_at = COALESCE(escalated_at, ?), last_round_at = ? WHERE id = ?",
        (now, now, request_id),
    )


async def mark_followup(conn: aiosqlite.Connection, request_id: int, now: int) -> None:
    await conn.execute("UPDATE request SET followup_at = ? WHERE id = ?", (now, request_id))


async def due_for_round(
    conn: aiosqlite.Connection, guild_id: str, normal_before: int, urgent_before: int, max_rounds: int,
    limit: int = -1, now: int | None = None,
) -> list[Request]:
    """Open, unclaimed requests due for their next step (oldest first, at most `limit`): a deferred
    round at its time (`now`), otherwise when the last round is old enough."""
    return await _requests(
        conn,
        f"SELECT {REQUEST_COLUMNS} FROM request WHERE guild_id = ? AND status = 'open' "
        "AND CASE WHEN next_round_at IS NOT NULL AND rounds < ? THEN next_round_at <= ? "
        "ELSE COALESCE(last_round_at, created_at) <= CASE WHEN urgent = 1 THEN ? ELSE ? END END "
        "AND (rounds < ? OR escalated_at IS NULL) ORDER BY id LIMIT ?",
        (guild_id, max_rounds, now if now is not None else normal_before, urgent_before, normal_before, max_rounds,
         limit),
    )


async def due_for_followup(
    conn: aiosqlite.Connection, guild_id: str, claimed_before: int, limit: int = -1
) -> list[Request]:
    return await _requests(
        conn,
        f"SELECT {REQUEST_COLUMNS} FROM request WHERE guild_id = ? AND status = 'claimed' "
        "AND followup_at IS NULL AND claimed_at <= ? ORDER BY id LIMIT ?",
        (guild_id, claimed_before, limit),
    )


async def listing(
    conn: aiosqlite.Connection, guild_id: str, statuses: tuple[str, ...], skill_id: int | None,
    requester_id: int | None, limit: int,
) -> list[Request]:
    """Requests for `request list`: urgent first, then the longest waiting."""
    marks = ",".join("?" * len(statuses))
    sql = f"SELECT {REQUEST_COLUMNS} FROM request WHERE guild_id = ? AND status IN ({marks})"
    params: list[object] = [guild_id, *statuses]
    if requester_id is not None:
        sql += " AND requester_id = ?"
        params.append(requester_id)
    if skill_id is not None:
        sql += " AND id IN (SELECT request_id FROM request_skill WHERE skill_id = ?)"
        params.append(skill_id)
    sql += " ORDER BY status = 'claimed', urgent DESC, created_at ASC, id ASC LIMIT ?"
    params.append(limit)
    return await _requests(conn, sql, params)


async def open_requested_by(conn: aiosqlite.Connection, member_id: int) -> list[Request]:
    return await _requests(
        conn,
        f"SELECT {REQUEST_COLUMNS} FROM request WHERE requester_id = ? AND status IN ('open', 'claimed') ORDER BY id",
        (member_id,),
    )


async def claimed_by(conn: aiosqlite.Connection, member_id: int) -> list[Request]:
    return await _requests(
        conn,
        f"SELECT {REQUEST_COLUMNS} FROM request WHERE status = 'claimed' AND id IN "
        "(SELECT request_id FROM request_helper WHERE helper_id = ?) ORDER BY id",
        (member_id,),
    )


async def has_unsettled(conn: aiosqlite.Connection, guild_id: str) -> bool:
    """Whether any request is still open or claimed (the hourly escalation has something to look at)."""
    async with conn.execute(
        "SELECT 1 FROM request WHERE guild_id = ? AND status IN ('open', 'claimed') LIMIT 1", (guild_id,)
    ) as cur:
        return await cur.fetchone() is not None
