"""Engagement queries: what the weekly digest shows and whom the weekly nudges reach.

They read other areas' tables (request, kudos, poll, reminder) without owning them; every query is
set-based so a weekly run over 100,000 members stays a handful of statements.
"""
from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

# Digest -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestRequest:
    id: int
    title: str
    urgent: bool
    created_at: int
    skills: str  # display names, comma separated


@dataclass(frozen=True)
class PollState:
    id: int
    month: str
    status: str
    closes_at: int | None
    closed_at: int | None
    winner_handle: str | None
    nominees: int


async def newcomers_between(
    conn: aiosqlite.Connection, guild_id: str, since: int, until: int, limit: int
) -> tuple[list[str], int]:
    """Platform ids of members who accepted the charter in [since, until), oldest first, and how many in all."""
    where = (
        "FROM member WHERE guild_id = ? AND charter_accepted_at >= ? AND charter_accepted_at < ? "
        "AND left_at IS NULL AND erased = 0"
    )
    params = (guild_id, since, until)
    async with conn.execute(f"SELECT COUNT(*) {where}", params) as cur:
        total = int((await cur.fetchone())[0])
    async with conn.execute(
        f"SELECT platform_id {where} ORDER BY charter_accepted_at, id LIMIT ?", (*params, limit)
    ) as cur:
        return [row[0] for row in await cur.fetchall()], total


async def open_requests(conn: aiosqlite.Connection, guild_id: str, limit: int) -> tuple[list[DigestRequest], int]:
    """Open (unclaimed) requests, urgent then oldest first, and how many are open in all."""
    async with conn.execute(
        "SELECT COUNT(*) FROM request WHERE guild_id = ? AND status = 'open'", (guild_id,)
    ) as cur:
        total = int((await cur.fetchone())[0])
    async with conn.execute(
        "SELECT r.id, r.title, r.urgent, r.created_at, "
        "COALESCE((SELECT group_concat(display, ', ') FROM (SELECT s.display FROM request_skill rs "
        "JOIN skill s ON s.id = rs.skill_id WHERE rs.request_id = r.id ORDER BY s.key)), '') "
        "FROM request r WHERE r.guild_id = ? AND r.status = 'open' "
        "ORDER BY r.urgent DESC, r.created_at, r.id LIMIT ?",
        (guild_id, limit),
    ) as cur:
        rows = await cur.fetchall()
    return [DigestRequest(r[0], r[1], bool(r[2]), r[3], r[4]) for r in rows], total


async def thanks_between(
    conn: aiosqlite.Connection, guild_id: str, since: int, until: int, limit: int
) -> tuple[list[tuple[str, int]], int]:
    """The most thanked members of [since, until) as (handle, count), and how many thanks in all."""
    params = (guild_id, since, until)
    async with conn.execute(
        "SELECT COUNT(*) FROM kudos WHERE guild_id = ? AND at >= ? AND at < ?", params
    ) as cur:
        total = int((await cur.fetchone())[0])
    async with conn.execute(
        "SELECT m.handle, COUNT(*) AS n FROM kudos k JOIN member m ON m.id = k.to_id "
        "WHERE k.guild_id = ? AND k.at >= ? AND k.at < ? AND m.erased = 0 "
        "GROUP BY m.id ORDER BY n DESC, MIN(k.at), m.id LIMIT ?",
        (*params, limit),
    ) as cur:
        return [(row[0], int(row[1])) for row in await cur.fetchall()], total


async def reminders_between(
    conn: aiosqlite.Connection, guild_id: str, since: int, until: int, limit: int
) -> list[tuple[int, str]]:
    """Reminders whose next posting falls in (since, until], as (next_at, text), soonest first."""
    async with conn.execute(
        "SELECT next_at, text FROM reminder WHERE guild_id = ? AND next_at > ? AND next_at <= ? "
        "ORDER BY next_at, id LIMIT ?",
        (guild_id, since, until, limit),
    ) as cur:
        return [(row[0], row[1]) for row in await cur.fetchall()]


async def latest_poll(conn: aiosqlite.Connection, guild_id: str) -> PollState | None:
    """The most recent member-of-the-month poll with its nominee count and winner."""
    async with conn.execute(
        "SELECT p.id, p.month, p.status, p.closes_at, p.closed_at, w.handle, "
        "(SELECT COUNT(*) FROM nomination n WHERE n.poll_id = p.id) "
        "FROM poll p LEFT JOIN member w ON w.id = p.winner_id AND w.erased = 0 "
        "WHERE p.guild_id = ? ORDER BY p.month DESC, p.id DESC LIMIT 1",
        (guild_id,),
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    return PollState(row[0], row[1], row[2], row[3], row[4], row[5], int(row[6]))


# Nudges -------------------------------------------------------------------------------------------


# Present, active members with nudges on, members (charter accepted), not yet nudged this ISO week,
# and not sent a check-in DM in the last days, as a newcomer or as the godparent of one
# (COMMUNITY.md: never more than one unsolicited message a week).
_ELIGIBLE = (
    "eligible AS (SELECT m.id, m.platform_id, m.handle, m.locale, m.dms_closed, m.available, "
    "m.last_active_at, m.profile_updated_at, m.joined_at FROM member m "
    "WHERE m.guild_id = :guild AND m.left_at IS NULL AND m.erased = 0 AND m.active = 1 AND m.nudges = 1 "
    "AND m.charter_accepted_at IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM nudge n WHERE n.member_id = m.id AND n.week = :week) "
    "AND NOT EXISTS (SELECT 1 FROM checkin c WHERE c.member_id = m.id AND c.at >= :checkin_since) "
    "AND NOT EXISTS (SELECT 1 FROM member g JOIN checkin c ON c.member_id = g.id "
    "WHERE g.godparent_id = m.id AND c.at >= :checkin_since))"
)


@dataclass(frozen=True)
class NudgeTarget:
    """An eligible member, what a message to them needs, and which of the plain rules apply to them."""

    member_id: int
    platform_id: str
    handle: str
    locale: str | None
    dms_closed: bool
    stale_since: int | None = None  # profile last confirmed then, and not asked "still true?" since
    hello: bool = False  # quiet long enough for a gentle hello


async def nudge_targets(
    conn: aiosqlite.Connection, guild_id: str, week: str, *, checkin_since: int, stale_before: int,
    quiet_before: int, last_hello_before: int, max_unanswered: int,
) -> dict[int, NudgeTarget]:
    """Every eligible member with the profile and hello rules evaluated, in one pass over them.

    Profile: last updated before `stale_before` and not asked since then. Hello: quiet since
    `quiet_before`, no hello since `last_hello_before`, and fewer than `max_unanswered` hellos since
    their last activity (activity answers a hello).
    """
    async with conn.execute(
        f"WITH {_ELIGIBLE} SELECT e.id, e.platform_id, e.handle, e.locale, e.dms_closed, "
        "CASE WHEN COALESCE(e.profile_updated_at, e.joined_at) < :stale AND NOT EXISTS (SELECT 1 FROM nudge n "
        "WHERE n.member_id = e.id AND n.reason = 'profile' AND n.at >= :stale) "
        "THEN COALESCE(e.profile_updated_at, e.joined_at) END, "
        "COALESCE(e.last_active_at, e.joined_at) < :quiet "
        "AND NOT EXISTS (SELECT 1 FROM nudge n WHERE n.member_id = e.id AND n.reason = 'hello' "
        "AND n.at >= :last_hello) "
        "AND (SELECT COUNT(*) FROM nudge n WHERE n.member_id = e.id AND n.reason = 'hello' "
        "AND n.at > COALESCE(e.last_active_at, e.joined_at)) < :max_unanswered "
        "FROM eligible e",
        {"guild": guild_id, "week": week, "checkin_since": checkin_since, "stale": stale_before,
         "quiet": quiet_before, "last_hello": last_hello_before, "max_unanswered": max_unanswered},
    ) as cur:
        return {r[0]: NudgeTarget(r[0], r[1], r[2], r[3], bool(r[4]), r[5], bool(r[6])) for r in await cur.fetchall()}


@dataclass(frozen=True)
class NudgeCandidate:
    """One rule matching one member: its subject (a request, a godchild) and the words it needs."""

    member_id: int
    subject_id: int | None
    subject_text: str
    subject_at: int | None = None


async def request_candidates(
    conn: aiosqlite.Connection, guild_id: str, week: str, pinged_since: int, checkin_since: int,
) -> list[NudgeCandidate]:
    """For each available eligible member, the first open unclaimed request matching a skill they
    offer (urgent, then oldest): not their own, not one they were pinged for since `pinged_since`,
    not one they already helped on or were nudged about.

    Starts from the open requests (few) rather than all requests: they go into a temporary table
    keyed by (skill, rank in urgent/oldest order), then for each eligible member and offered skill a
    LIMIT 1 walk of that skill's open requests finds the first acceptable one (usually the first
    row), and the member keeps the best over their skills. Cost: members × offered skills index
    seeks, whatever the history holds.
    """
    await conn.execute(
        "CREATE TEMP TABLE nudge_open_skill (skill_id INTEGER NOT NULL, rank INTEGER NOT NULL, "
        "request_id INTEGER NOT NULL, requester_id INTEGER, PRIMARY KEY (skill_id, rank)) WITHOUT ROWID"
    )
    try:
        await conn.execute(
            "INSERT INTO nudge_open_skill (skill_id, rank, request_id, requester_id) "
            "SELECT rs.skill_id, o.rank, o.id, o.requester_id FROM (SELECT r.id, r.requester_id, "
            "ROW_NUMBER() OVER (ORDER BY r.urgent DESC, r.created_at, r.id) AS rank "
            "FROM request r WHERE r.guild_id = ? AND r.status = 'open') o "
            "JOIN request_skill rs ON rs.request_id = o.id",
            (guild_id,),
        )
        async with conn.execute(
            f"WITH {_ELIGIBLE}, firsts AS ("
            "SELECT e.id AS member_id, (SELECT o.rank FROM nudge_open_skill o WHERE o.skill_id = ms.skill_id "
            "AND (o.requester_id IS NULL OR o.requester_id != e.id) "
            "AND NOT EXISTS (SELECT 1 FROM request_ping p WHERE p.request_id = o.request_id "
            "AND p.helper_id = e.id AND p.at > :pinged_since) "
            "AND NOT EXISTS (SELECT 1 FROM request_helper h WHERE h.request_id = o.request_id AND h.helper_id = e.id) "
            "AND NOT EXISTS (SELECT 1 FROM nudge n WHERE n.member_id = e.id AND n.reason = 'request' "
            "AND n.subject_id = o.request_id) "
            "ORDER BY o.rank LIMIT 1) AS rank "
            "FROM eligible e JOIN member_skill ms ON ms.member_id = e.id AND ms.kind = 'offer' "
            "WHERE e.available = 1), "
            "best AS (SELECT member_id, MIN(rank) AS rank FROM firsts GROUP BY member_id), "
            "ranked AS (SELECT DISTINCT rank, request_id FROM nudge_open_skill) "
            "SELECT b.member_id, o.request_id, r.title FROM best b JOIN ranked o ON o.rank = b.rank "
            "JOIN request r ON r.id = o.request_id ORDER BY b.member_id",
            {"guild": guild_id, "week": week, "pinged_since": pinged_since, "checkin_since": checkin_since},
        ) as cur:
            return [NudgeCandidate(r[0], r[1], r[2]) for r in await cur.fetchall()]
    finally:
        await conn.execute("DROP TABLE temp.nudge_open_skill")


async def godchild_candidates(
    conn: aiosqlite.Connection, guild_id: str, week: str, *, quiet_before: int, newcomer_since: int,
    repeat_since: int, checkin_since: int,
) -> list[NudgeCandidate]:
    """For each eligible godparent, one recent godchild (joined since `newcomer_since`) gone quiet
    since `quiet_before`, quietest first; not the same godchild twice since `repeat_since`.
    (Check-in days are the daily check-in job's: it already writes to the godparent.)"""
    async with conn.execute(
        f"WITH {_ELIGIBLE}, due AS ("
        "SELECT e.id AS member_id, g.id AS godchild_id, g.handle, ROW_NUMBER() OVER ("
        "PARTITION BY e.id ORDER BY COALESCE(g.last_active_at, 0), g.id) AS rn "
        "FROM member g CROSS JOIN eligible e ON e.id = g.godparent_id "  # recent godchildren (member_joined) first
        "WHERE g.guild_id = :guild AND g.left_at IS NULL AND g.erased = 0 "
        "AND g.joined_at >= :newcomer_since AND COALESCE(g.last_active_at, 0) < :quiet "
        "AND NOT EXISTS (SELECT 1 FROM nudge n WHERE n.member_id = e.id AND n.reason = 'godchild' "
        "AND n.subject_id = g.id AND n.at >= :repeat_since)) "
        "SELECT member_id, godchild_id, handle FROM due WHERE rn = 1",
        {"guild": guild_id, "week": week, "quiet": quiet_before, "newcomer_since": newcomer_since,
         "repeat_since": repeat_since, "checkin_since": checkin_since},
    ) as cur:
        return [NudgeCandidate(r[0], r[1], r[2]) for r in await cur.fetchall()]


async def record_nudges(conn: aiosqlite.Connection, rows: list[tuple[int, str, str, int | None, int]]) -> None:
    """Rows of (member_id, week, reason, subject_id, at); a member already nudged this week is kept as is."""
    await conn.executemany(
        "INSERT OR IGNORE INTO nudge (member_id, week, reason, subject_id, at) VALUES (?, ?, ?, ?, ?)", rows
    )


async def nudges_of(conn: aiosqlite.Connection, member_id: int) -> list[tuple[str, str, int | None]]:
    """(week, reason, subject_id) of one member's nudges, oldest first (tests, export)."""
    async with conn.execute(
        "SELECT week, reason, subject_id FROM nudge WHERE member_id = ? ORDER BY at, id", (member_id,)
    ) as cur:
        return [(r[0], r[1], r[2]) for r in await cur.fetchall()]


async def set_member_nudges(conn: aiosqlite.Connection, member_id: int, enabled: bool) -> bool:
    """Turn one member's nudges on or off; True when it changed."""
    cur = await conn.execute(
        "UPDATE member SET nudges = ? WHERE id = ? AND nudges != ?", (int(enabled), member_id, int(enabled))
    )
    return cur.rowcount > 0
