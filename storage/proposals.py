"""Member proposals, their supports and their secret ballots.

Ballots are read only as counts or as the caller's own, and are destroyed once counted: only the
tally stays on the proposal (as for the member of the month).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import aiosqlite

PROPOSAL_COLUMNS = (
    "id, guild_id, author_id, title, details, needs, status, created_at, voting_at, closes_at, closed_at, "
    "votes_for, votes_against, votes_abstain"
)
LIVE = ("open", "voting")


@dataclass(frozen=True)
class Proposal:
    id: int
    guild_id: str
    author_id: int | None
    title: str
    details: str
    needs: str
    status: str
    created_at: int
    voting_at: int | None
    closes_at: int | None
    closed_at: int | None
    votes_for: int | None
    votes_against: int | None
    votes_abstain: int | None

    @property
    def need_list(self) -> list[str]:
        return [n for n in self.needs.split(",") if n]


def _proposal(row: aiosqlite.Row | None) -> Proposal | None:
    return Proposal(*row) if row is not None else None


async def insert(conn: aiosqlite.Connection, guild_id: str, author_id: int, title: str, details: str,
                 needs: str, now: int) -> int:
    cur = await conn.execute(
        "INSERT INTO proposal (guild_id, author_id, title, details, needs, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, author_id, title, details, needs, now),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def by_id(conn: aiosqlite.Connection, guild_id: str, proposal_id: int) -> Proposal | None:
    async with conn.execute(f"SELECT {PROPOSAL_COLUMNS} FROM proposal WHERE guild_id = ? AND id = ?",
                            (guild_id, proposal_id)) as cur:
        return _proposal(await cur.fetchone())


async def listed(conn: aiosqlite.Connection, guild_id: str, limit: int = 1000) -> list[Proposal]:
    """Live proposals first (voting, then open), then the latest decided ones (`proposal list` pages
    through them all)."""
    async with conn.execute(
        f"SELECT {PROPOSAL_COLUMNS} FROM proposal WHERE guild_id = ? ORDER BY "
        "CASE status WHEN 'voting' THEN 0 WHEN 'open' THEN 1 ELSE 2 END, "
        "CASE WHEN status IN ('voting', 'open') THEN id ELSE -COALESCE(closed_at, id) END LIMIT ?",
        (guild_id, limit),
    ) as cur:
        return [p for p in map(_proposal, await cur.fetchall()) if p is not None]


async def live_by_author(conn: aiosqlite.Connection, guild_id: str, author_id: int) -> int:
    async with conn.execute(
        "SELECT COUNT(*) FROM proposal WHERE guild_id = ? AND author_id = ? AND status IN ('open', 'voting')",
        (guild_id, author_id),
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def update_fields(conn: aiosqlite.Connection, proposal_id: int, **fields: object) -> None:
    if fields:
        sets = ", ".join(f"{name} = ?" for name in fields)
        await conn.execute(f"UPDATE proposal SET {sets} WHERE id = ?", (*fields.values(), proposal_id))


async def add_support(conn: aiosqlite.Connection, proposal_id: int, member_id: int, at: int) -> bool:
    cur = await conn.execute(
        "INSERT OR IGNORE INTO proposal_support (proposal_id, member_id, at) VALUES (?, ?, ?)",
        (proposal_id, member_id, at),
    )
    return cur.rowcount == 1


async def support_count(conn: aiosqlite.Connection, proposal_id: int) -> int:
    async with conn.execute("SELECT COUNT(*) FROM proposal_support WHERE proposal_id = ?", (proposal_id,)) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def cast_ballot(conn: aiosqlite.Connection, proposal_id: int, voter_id: int, choice: str, at: int) -> None:
    await conn.execute(
        "INSERT INTO proposal_ballot (proposal_id, voter_id, choice, at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (proposal_id, voter_id) DO UPDATE SET choice = excluded.choice, at = excluded.at",
        (proposal_id, voter_id, choice, at),
    )


async def tally(conn: aiosqlite.Connection, proposal_id: int) -> dict[str, int]:
    counts = {"for": 0, "against": 0, "abstain": 0}
    async with conn.execute("SELECT choice, COUNT(*) FROM proposal_ballot WHERE proposal_id = ? GROUP BY choice",
                            (proposal_id,)) as cur:
        for choice, count in await cur.fetchall():
            counts[choice] = int(count)
    return counts


async def record_calls(conn: aiosqlite.Connection, proposal_id: int, member_ids: Iterable[int], at: int) -> None:
    """The members an accepted proposal asked for volunteers: they weigh on who is asked next."""
    await conn.executemany("INSERT OR IGNORE INTO proposal_call (proposal_id, member_id, at) VALUES (?, ?, ?)",
                           [(proposal_id, m, at) for m in member_ids])


async def destroy_ballots(conn: aiosqlite.Connection, proposal_id: int) -> None:
    await conn.execute("DELETE FROM proposal_ballot WHERE proposal_id = ?", (proposal_id,))


async def voting_due(conn: aiosqlite.Connection, guild_id: str, until: int) -> list[Proposal]:
    async with conn.execute(
        f"SELECT {PROPOSAL_COLUMNS} FROM proposal WHERE guild_id = ? AND status = 'voting' AND closes_at <= ? "
        "ORDER BY closes_at, id", (guild_id, until),
    ) as cur:
        return [p for p in map(_proposal, await cur.fetchall()) if p is not None]


async def next_close_after(conn: aiosqlite.Connection, guild_id: str, after: int) -> int | None:
    async with conn.execute(
        "SELECT MIN(closes_at) FROM proposal WHERE guild_id = ? AND status = 'voting' AND closes_at > ?",
        (guild_id, after),
    ) as cur:
        row = await cur.fetchone()
    return row[0] if row and row[0] is not None else None


async def eligible_voters(conn: aiosqlite.Connection, guild_id: str, joined_before: int) -> int:
    """Members who may vote (as for the member of the month): present, active, charter accepted, tenure."""
    async with conn.execute(
        "SELECT COUNT(*) FROM member WHERE guild_id = ? AND left_at IS NULL AND erased = 0 AND active = 1 "
        "AND charter_accepted_at IS NOT NULL AND joined_at <= ?", (guild_id, joined_before),
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0
