"""Member of the month: polls, nominations and secret ballots.

Nothing here returns who voted for whom to anyone but the voter: ballots are read only as
per-nominee counts, or as the caller's own ballot, and they are destroyed once counted.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import aiosqlite

POLL_COLUMNS = (
    "id, guild_id, month, status, opened_at, closes_at, closed_at, winner_id, nominations_until, "
    "thanks_from, thanks_until, votes_cast"
)
# When a poll is due to close: a poll still without nominees when its nomination window ends can get
# none any more, so it closes then (quietly) instead of looking open until `closes_at`.
DUE_AT = "CASE WHEN status = 'nominating' THEN MIN(closes_at, nominations_until) ELSE closes_at END"


@dataclass(frozen=True)
class Poll:
    id: int
    guild_id: str
    month: str
    status: str
    opened_at: int
    closes_at: int
    closed_at: int | None
    winner_id: int | None
    nominations_until: int
    thanks_from: int
    thanks_until: int
    votes_cast: int | None


@dataclass(frozen=True)
class Nominee:
    member_id: int
    platform_id: str
    handle: str
    joined_at: int
    present: bool
    source: str
    votes: int | None  # the final tally, once the poll is closed
    erased: bool = False  # their data erased since: named in words (`common.former_member`), never by the tombstone


def _poll(row: aiosqlite.Row | None) -> Poll | None:
    return Poll(*row) if row is not None else None


async def _one_poll(conn: aiosqlite.Connection, where: str, params: Sequence[object]) -> Poll | None:
    async with conn.execute(f"SELECT {POLL_COLUMNS} FROM poll WHERE {where}", tuple(params)) as cur:
        return _poll(await cur.fetchone())


async def by_id(conn: aiosqlite.Connection, guild_id: str, poll_id: int) -> Poll | None:
    return await _one_poll(conn, "guild_id = ? AND id = ?", (guild_id, poll_id))


async def by_month(conn: aiosqlite.Connection, guild_id: str, month: str) -> Poll | None:
    return await _one_poll(conn, "guild_id = ? AND month = ?", (guild_id, month))


async def latest(conn: aiosqlite.Connection, guild_id: str) -> Poll | None:
    """The most recently opened poll, whatever its status."""
    return await _one_poll(conn, "guild_id = ? ORDER BY opened_at DESC, id DESC LIMIT 1", (guild_id,))


async def last_winner(conn: aiosqlite.Connection, guild_id: str) -> int | None:
    """The winner of the most recently closed poll that had one."""
    async with conn.execute(
        "SELECT winner_id FROM poll WHERE guild_id = ? AND status = 'closed' AND winner_id IS NOT NULL "
        "ORDER BY closed_at DESC, id DESC LIMIT 1",
        (guild_id,),
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else None


async def insert(
    conn: aiosqlite.Connection, *, guild_id: str, month: str, status: str, opened_at: int, closes_at: int,
    nominations_until: int, thanks_from: int, thanks_until: int,
) -> int:
    cur = await conn.execute(
        "INSERT INTO poll (guild_id, month, status, opened_at, closes_at, nominations_until, thanks_from, "
        "thanks_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (guild_id, month, status, opened_at, closes_at, nominations_until, thanks_from, thanks_until),
    )
    assert cur.lastrowid is not None
    return int(cur.lastrowid)


async def set_status(conn: aiosqlite.Connection, poll_id: int, status: str) -> None:
    await conn.execute("UPDATE poll SET status = ? WHERE id = ?", (status, poll_id))


async def mark_closed(
    conn: aiosqlite.Connection, poll_id: int, closed_at: int, winner_id: int | None, votes_cast: int
) -> None:
    await conn.execute(
        "UPDATE poll SET status = 'closed', closed_at = ?, winner_id = ?, votes_cast = ? WHERE id = ?",
        (closed_at, winner_id, votes_cast, poll_id),
    )


async def due_to_close(conn: aiosqlite.Connection, guild_id: str, now: int) -> list[Poll]:
    async with conn.execute(
        f"SELECT {POLL_COLUMNS} FROM poll WHERE guild_id = ? AND status IN ('nominating', 'open') "
        f"AND {DUE_AT} <= ? ORDER BY {DUE_AT}, id",
        (guild_id, now),
    ) as cur:
        return [p for p in map(_poll, await cur.fetchall()) if p is not None]


async def next_close_at(conn: aiosqlite.Connection, guild_id: str) -> int | None:
    async with conn.execute(
        f"SELECT MIN({DUE_AT}) FROM poll WHERE guild_id = ? AND status IN ('nominating', 'open')", (guild_id,)
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row and row[0] is not None else None


# Thanks (kudos) ---------------------------------------------------------------------------------

async def most_thanked(
    conn: aiosqlite.Connection, guild_id: str, since: int, until: int, limit: int, exclude: Iterable[int] = (),
) -> list[int]:
    """Members present and active who received the most thanks in [since, until), best first.

    Ties: more thanks, then longer membership, then id.
    """
    if limit <= 0:
        return []
    excluded = [int(i) for i in exclude]
    not_in = f"AND m.id NOT IN ({','.join('?' * len(excluded))})" if excluded else ""
    async with conn.execute(
        "SELECT m.id FROM kudos k JOIN member m ON m.id = k.to_id "
        "WHERE k.guild_id = ? AND k.at >= ? AND k.at < ? AND (k.from_id IS NULL OR k.from_id != k.to_id) "
        f"AND m.left_at IS NULL AND m.active = 1 AND m.erased = 0 {not_in} "
        "GROUP BY m.id ORDER BY COUNT(*) DESC, m.joined_at, m.id LIMIT ?",
        (guild_id, since, until, *excluded, limit),
    ) as cur:
        return [int(row[0]) for row in await cur.fetchall()]


async def thanks_received(
    conn: aiosqlite.Connection, guild_id: str, since: int, until: int, member_ids: Iterable[int]
) -> dict[int, int]:
    ids = [int(i) for i in member_ids]
    if not ids:
        return {}
    async with conn.execute(
        "SELECT to_id, COUNT(*) FROM kudos WHERE guild_id = ? AND at >= ? AND at < ? "
        f"AND to_id IN ({','.join('?' * len(ids))}) AND (from_id IS NULL OR from_id != to_id) GROUP BY to_id",
        (guild_id, since, until, *ids),
    ) as cur:
        return {int(row[0]): int(row[1]) for row in await cur.fetchall()}


# Nominations ------------------------------------------------------------------------------------

async def add_nominations(
    conn: aiosqlite.Connection, poll_id: int, rows: Sequence[tuple[int, int | None, str, int]]
) -> None:
    """rows: (nominee_id, nominated_by, source, at)."""
    await conn.executemany(
        "INSERT OR IGNORE INTO nomination (poll_id, nominee_id, nominated_by, source, at) VALUES (?, ?, ?, ?, ?)",
        [(poll_id, *row) for row in rows],
    )


async def nominees(conn: aiosqlite.Connection, poll_id: int) -> list[Nominee]:
    """The poll's nominees in ballot order (thanks first, then manual nominations as they came)."""
    async with conn.execute(
        "SELECT m.id, m.platform_id, m.handle, m.joined_at, m.left_at IS NULL AND m.erased = 0, n.source, n.votes, "
        "m.erased "
        "FROM nomination n JOIN member m ON m.id = n.nominee_id WHERE n.poll_id = ? "
        "ORDER BY n.source = 'manual', n.at, n.rowid",
        (poll_id,),
    ) as cur:
        rows = await cur.fetchall()
    return [Nominee(int(r[0]), r[1], r[2], int(r[3]), bool(r[4]), r[5], r[6], bool(r[7])) for r in rows]


async def record_tallies(conn: aiosqlite.Connection, poll_id: int, tallies: dict[int, int]) -> None:
    await conn.execute("UPDATE nomination SET votes = 0 WHERE poll_id = ?", (poll_id,))
    await conn.executemany(
        "UPDATE nomination SET votes = ? WHERE poll_id = ? AND nominee_id = ?",
        [(votes, poll_id, nominee_id) for nominee_id, votes in tallies.items()],
    )


# Ballots ----------------------------------------------------------------------------------------

async def cast_vote(conn: aiosqlite.Connection, poll_id: int, voter_id: int, nominee_id: int, at: int) -> bool:
    """Record or replace the voter's one ballot; True when it replaced an earlier one."""
    async with conn.execute(
        "SELECT 1 FROM vote WHERE poll_id = ? AND voter_id = ?", (poll_id, voter_id)
    ) as cur:
        existed = await cur.fetchone() is not None
    await conn.execute(
        "INSERT INTO vote (poll_id, voter_id, nominee_id, at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (poll_id, voter_id) DO UPDATE SET nominee_id = excluded.nominee_id, at = excluded.at",
        (poll_id, voter_id, nominee_id, at),
    )
    return existed


async def has_voted(conn: aiosqlite.Connection, poll_id: int, voter_id: int) -> bool:
    async with conn.execute("SELECT 1 FROM vote WHERE poll_id = ? AND voter_id = ?", (poll_id, voter_id)) as cur:
        return await cur.fetchone() is not None


async def ballots_cast(conn: aiosqlite.Connection, poll_id: int) -> int:
    """How many members voted: the only figure shown before the close."""
    async with conn.execute("SELECT COUNT(*) FROM vote WHERE poll_id = ?", (poll_id,)) as cur:
        row = await cur.fetchone()
    return int(row[0])


async def tally(conn: aiosqlite.Connection, poll_id: int) -> dict[int, int]:
    """Votes per nominee (counts only, never voters); for the close."""
    async with conn.execute(
        "SELECT nominee_id, COUNT(*) FROM vote WHERE poll_id = ? GROUP BY nominee_id", (poll_id,)
    ) as cur:
        return {int(row[0]): int(row[1]) for row in await cur.fetchall()}


async def destroy_ballots(conn: aiosqlite.Connection, poll_id: int) -> None:
    """Once counted, who voted for whom is forgotten; the tally stays in `nomination.votes`."""
    await conn.execute("DELETE FROM vote WHERE poll_id = ?", (poll_id,))


async def delete_if_empty(conn: aiosqlite.Connection, poll_id: int) -> bool:
    """Remove a closed poll that never had a nominee (so an animator can open the month again)."""
    cur = await conn.execute(
        "DELETE FROM poll WHERE id = ? AND status = 'closed' "
        "AND NOT EXISTS (SELECT 1 FROM nomination n WHERE n.poll_id = poll.id)",
        (poll_id,),
    )
    return cur.rowcount == 1


async def voter_outlook(conn: aiosqlite.Connection, guild_id: str, cutoff: int) -> tuple[int, int | None]:
    """(members who may vote now, when the earliest of the others joined): the voter rules of
    check_voter (present, charter accepted, active) with `cutoff` as the latest join that counts."""
    async with conn.execute(
        "SELECT COALESCE(SUM(joined_at <= ?), 0), MIN(CASE WHEN joined_at > ? THEN joined_at END) FROM member "
        "WHERE guild_id = ? AND left_at IS NULL AND erased = 0 AND charter_accepted_at IS NOT NULL AND active = 1",
        (cutoff, cutoff, guild_id),
    ) as cur:
        row = await cur.fetchone()
    assert row is not None
    return int(row[0]), int(row[1]) if row[1] is not None else None
