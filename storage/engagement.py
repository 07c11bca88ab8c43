"""Engagement queries: what the weekly digest shows and whom the weekly nudges reach.

They read other areas' tables (request, kudos, poll, reminder) without owning them; every query is
set-based so a weekly run over 100,000 members stays a handful of statements, and each is one round trip
to the database thread (execute_fetchall; a cursor's execute, fetch and close are three): a network's
weekly jobs run them once per community.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

import aiosqlite

from storage.database import insert_rows

# Digest -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestRequest:
    id: int
    title: str
    urgent: bool
    created_at: int
    skills: str  # display names, comma separated
    requester_id: int | None = None


@dataclass(frozen=True)
class PollState:
    id: int
    month: str
    status: str
    closes_at: int | None
    closed_at: int | None
    winner_handle: str | None
    nominees: int
    winner_id: int | None = None


async def newcomers_between(
    conn: aiosqlite.Connection, guild_id: str, since: int, until: int, limit: int
) -> tuple[list[str], int]:
    """Platform ids of members who accepted the charter in [since, until), oldest first, and how many in all."""
    where = (
        "FROM member WHERE guild_id = ? AND charter_accepted_at >= ? AND charter_accepted_at < ? "
        "AND left_at IS NULL AND erased = 0"
    )
    params = (guild_id, since, until)
    total = int((await conn.execute_fetchall(f"SELECT COUNT(*) {where}", params))[0][0])
    rows = await conn.execute_fetchall(f"SELECT platform_id {where} ORDER BY charter_accepted_at, id LIMIT ?",
                                       (*params, limit))
    return [row[0] for row in rows], total


async def open_requests(conn: aiosqlite.Connection, guild_id: str, limit: int) -> tuple[list[DigestRequest], int]:
    """Open (unclaimed) requests, urgent then oldest first, and how many are open in all."""
    total = int((await conn.execute_fetchall(
        "SELECT COUNT(*) FROM request WHERE guild_id = ? AND status = 'open'", (guild_id,)))[0][0])
    rows = await conn.execute_fetchall(
        "SELECT r.id, r.title, r.urgent, r.created_at, r.requester_id, "
        "COALESCE((SELECT group_concat(display, ', ') FROM (SELECT s.display FROM request_skill rs "
        "JOIN skill s ON s.id = rs.skill_id WHERE rs.request_id = r.id ORDER BY s.key)), '') "
        "FROM request r WHERE r.guild_id = ? AND r.status = 'open' "
        "ORDER BY r.urgent DESC, r.created_at, r.id LIMIT ?",
        (guild_id, limit),
    )
    return [DigestRequest(r[0], r[1], bool(r[2]), r[3], r[5], r[4]) for r in rows], total


async def thanks_between(
    conn: aiosqlite.Connection, guild_id: str, since: int, until: int, limit: int
) -> tuple[list[tuple[str, int]], int]:
    """The most thanked members of [since, until) as (handle, count, member id), and how many thanks in all."""
    params = (guild_id, since, until)
    total = int((await conn.execute_fetchall(
        "SELECT COUNT(*) FROM kudos WHERE guild_id = ? AND at >= ? AND at < ?", params))[0][0])
    rows = await conn.execute_fetchall(
        "SELECT m.handle, COUNT(*) AS n, m.id FROM kudos k JOIN member m ON m.id = k.to_id "
        "WHERE k.guild_id = ? AND k.at >= ? AND k.at < ? AND m.erased = 0 "
        "GROUP BY m.id ORDER BY n DESC, MIN(k.at), m.id LIMIT ?",
        (*params, limit),
    )
    return [(row[0], int(row[1]), row[2]) for row in rows], total


async def reminders_between(
    conn: aiosqlite.Connection, guild_id: str, since: int, until: int, limit: int
) -> list[tuple[int, str, int | None]]:
    """Reminders whose next posting falls in (since, until], as (next_at, text, created_by), soonest first."""
    rows = await conn.execute_fetchall(
        "SELECT next_at, text, created_by FROM reminder WHERE guild_id = ? AND next_at > ? AND next_at <= ? "
        "ORDER BY next_at, id LIMIT ?",
        (guild_id, since, until, limit),
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def latest_poll(conn: aiosqlite.Connection, guild_id: str) -> PollState | None:
    """The most recent member-of-the-month poll with its nominee count and winner."""
    rows = await conn.execute_fetchall(
        "SELECT p.id, p.month, p.status, p.closes_at, p.closed_at, w.handle, "
        "(SELECT COUNT(*) FROM nomination n WHERE n.poll_id = p.id), w.id "
        "FROM poll p LEFT JOIN member w ON w.id = p.winner_id AND w.erased = 0 "
        "WHERE p.guild_id = ? ORDER BY p.month DESC, p.id DESC LIMIT 1",
        (guild_id,),
    )
    row = next(iter(rows), None)
    if row is None:
        return None
    return PollState(row[0], row[1], row[2], row[3], row[4], row[5], int(row[6]), row[7])


# Nudges -------------------------------------------------------------------------------------------


# Present, active members with nudges on, members (charter accepted), not yet nudged this ISO week,
# and not sent a check-in DM in the last days, as a newcomer or as the godparent of one
# (COMMUNITY.md: never more than one unsolicited message a week), of the community or communities
# `{guilds}` names (see _rules_statement). The recent check-ins of their members are listed once, not
# looked up for every member; the list is read from their members (index ranges), never from every
# community's check-ins (a network of 300).
_ELIGIBLE = (
    "eligible AS (SELECT m.id, m.guild_id, m.platform_id, m.handle, m.locale, m.dms_closed, m.available, "
    "m.last_active_at, m.profile_updated_at, m.joined_at FROM member m "
    "WHERE {member_guild} AND m.left_at IS NULL AND m.erased = 0 "
    "AND m.active = 1 AND m.nudges = 1 AND m.charter_accepted_at IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM nudge n WHERE n.member_id = m.id AND n.week = :week) "
    "AND m.id NOT IN (SELECT c.member_id FROM member cm JOIN checkin c ON c.member_id = cm.id "
    "WHERE cm.guild_id {guilds} AND c.at >= :checkin_since "
    "UNION ALL SELECT g.godparent_id FROM member g JOIN checkin c ON c.member_id = g.id "
    "{own_godparent}WHERE g.guild_id {guilds} AND g.godparent_id IS NOT NULL "
    "AND c.at >= :checkin_since))"
)

def _request_allowed(row: str) -> str:
    """An open request (`row` of nudge_open_skill) member `e` may be nudged about: not their own, not one
    they were pinged for since :pinged_since, not one they already help on or were nudged about."""
    return (
        f"({row}.requester_id IS NULL OR {row}.requester_id != e.id) "
        f"AND NOT EXISTS (SELECT 1 FROM request_ping p WHERE p.request_id = {row}.request_id "
        "AND p.helper_id = e.id AND p.at > :pinged_since) "
        f"AND NOT EXISTS (SELECT 1 FROM request_helper h WHERE h.request_id = {row}.request_id "
        "AND h.helper_id = e.id) "
        "AND NOT EXISTS (SELECT 1 FROM nudge n WHERE n.member_id = e.id AND n.reason = 'request' "
        f"AND n.subject_id = {row}.request_id)"
    )


# The first open request (urgent, then oldest) matching a skill member `e` offers and allowed for
# them. Fast path: the best of the first ranks of their offered skills, and if that request is
# allowed it is the answer (no allowed request can come before it); its row is found under skill 0,
# where every open request is listed once. Otherwise (rare: their own, just pinged, already nudged
# about) each offered skill's requests are walked to the first allowed one.
_FIRST_REQUEST = (
    "(SELECT CASE WHEN f.request_id IS NULL THEN NULL "
    f"WHEN {_request_allowed('f')} THEN f.request_id "
    "ELSE (SELECT w.request_id FROM member_skill ms JOIN nudge_open_skill w ON w.skill_id = ms.skill_id "
    "AND w.rank = (SELECT o.rank FROM nudge_open_skill o WHERE o.skill_id = ms.skill_id{mine:o} "
    f"AND {_request_allowed('o')} ORDER BY o.rank LIMIT 1) "
    "WHERE ms.member_id = e.id AND ms.kind = 'offer' ORDER BY w.rank LIMIT 1) END "
    "FROM nudge_open_skill f WHERE f.skill_id = 0 AND f.rank = (SELECT MIN((SELECT MIN(t.rank) "
    "FROM nudge_open_skill t WHERE t.skill_id = ms.skill_id{mine:t})) "
    "FROM member_skill ms WHERE ms.member_id = e.id AND ms.kind = 'offer'))"
)

# One recent godchild of member `e` (joined since :newcomer_since) gone quiet since :godchild_quiet,
# quietest first, not nudged about since :repeat_since. (Through member_godparent: a godparent has a
# handful of godchildren, the guild has many recent joiners.)
_QUIET_GODCHILD = (
    "(SELECT g.id FROM member g WHERE g.godparent_id = e.id AND +g.guild_id = e.guild_id "
    "AND g.left_at IS NULL AND g.erased = 0 "
    "AND +g.joined_at >= :newcomer_since AND COALESCE(g.last_active_at, 0) < :godchild_quiet "
    "AND NOT EXISTS (SELECT 1 FROM nudge n WHERE n.member_id = e.id AND n.reason = 'godchild' "
    "AND n.subject_id = g.id AND n.at >= :repeat_since) "
    "ORDER BY COALESCE(g.last_active_at, 0), g.id LIMIT 1)"
)


@dataclass(frozen=True)
class NudgeRules:
    """The instants and numbers the nudge rules compare with, for one weekly run."""

    week: str  # ISO week of the run: one nudge per member and week
    checkin_since: int  # a check-in DM since then (to them or a godchild of theirs) keeps nudges away
    pinged_since: int  # a request they were pinged for since then is not nudged about
    godchild_quiet_before: int  # a godchild last active before this is quiet
    newcomer_since: int  # godchildren who joined since then are recent
    godchild_repeat_since: int  # not twice about the same godchild since then
    stale_before: int  # a profile last updated before this is stale
    quiet_before: int  # a member last active before this may get a hello
    last_hello_before: int  # no hello since then
    max_unanswered: int  # fewer hellos than this since their last activity


class NudgeTarget(NamedTuple):
    """An eligible member, what a message to them needs, and what the nudge rules found for them.

    The rules are evaluated in their order (request, godchild, then profile and hello), each only
    for members no earlier one matched, since only the first that applies is used: a godchild is
    never looked for when a request was found, and so on. A tuple, not a dataclass: a weekly run at
    100,000 members builds tens of thousands of them.
    """

    member_id: int
    platform_id: str
    handle: str
    locale: str | None
    dms_closed: int  # 1 when they refuse DMs
    request_id: int | None  # the first open request they could help with
    request_title: str | None
    godchild_id: int | None  # a recent godchild gone quiet
    godchild_handle: str | None
    stale_since: int | None  # profile last confirmed then, and not asked "still true?" since
    hello: int  # 1 when quiet long enough for a gentle hello


async def nudge_targets(conn: aiosqlite.Connection, guild_id: str, rules: NudgeRules) -> list[NudgeTarget]:
    """Every eligible member of one community with the rules evaluated for them (see nudge_targets_of)."""
    return (await nudge_targets_of(conn, [guild_id], rules)).get(guild_id, [])


async def nudge_targets_of(
    conn: aiosqlite.Connection, guild_ids: Sequence[str], rules: NudgeRules
) -> dict[str, list[NudgeTarget]]:
    """Every eligible member of these communities with the rules evaluated for them (see NudgeTarget), in
    one pass over them, by community: what nudge_targets answers for each alone. A network's batch reads
    them all in one statement (one per community cost ~4 ms for 333 members, each on its own page).

    Request: see _FIRST_REQUEST (available members only). Godchild: see _QUIET_GODCHILD. Profile:
    last updated before `stale_before` and not asked since then. Hello: quiet since `quiet_before`,
    no hello since `last_hello_before`, and fewer than `max_unanswered` hellos since their last
    activity (activity answers a hello).

    The open requests go first into a temporary table keyed by (skill, rank in urgent/oldest order; a
    batch's communities one after the other), so the request rule costs a few index seeks per member,
    whatever the history holds; a member only ever meets their own community's requests there.
    """
    # Kept on the connection and emptied after each run: dropping it would make SQLite compile the rules'
    # statement again at every run (a network without batches runs it once per community).
    await conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS nudge_open_skill (skill_id INTEGER NOT NULL, rank INTEGER NOT NULL, "
        "request_id INTEGER NOT NULL, requester_id INTEGER, guild_id TEXT NOT NULL, "
        "PRIMARY KEY (skill_id, rank)) WITHOUT ROWID"
    )
    guilds = list(dict.fromkeys(guild_ids))
    if not guilds:
        return {}
    listed = json.dumps(guilds) if len(guilds) > 1 else guilds[0]
    found: dict[str, list[NudgeTarget]] = {}
    try:
        await conn.execute(
            "INSERT INTO nudge_open_skill (skill_id, rank, request_id, requester_id, guild_id) "
            "WITH o AS (SELECT r.guild_id, r.id, r.requester_id, "
            "ROW_NUMBER() OVER (ORDER BY r.guild_id, r.urgent DESC, r.created_at, r.id) AS rank "
            f"FROM request r WHERE r.guild_id {'IN (SELECT value FROM json_each(?))' if len(guilds) > 1 else '= ?'} "
            "AND r.status = 'open') "
            "SELECT rs.skill_id, o.rank, o.id, o.requester_id, o.guild_id "
            "FROM o JOIN request_skill rs ON rs.request_id = o.id "
            "UNION ALL SELECT 0, o.rank, o.id, o.requester_id, o.guild_id FROM o",
            (listed,),
        )
        async with conn.execute(
            _rules_statement(len(guilds) > 1),
            {"guilds": listed, "week": rules.week, "checkin_since": rules.checkin_since,
             "pinged_since": rules.pinged_since, "godchild_quiet": rules.godchild_quiet_before,
             "newcomer_since": rules.newcomer_since, "repeat_since": rules.godchild_repeat_since,
             "stale": rules.stale_before, "quiet": rules.quiet_before, "last_hello": rules.last_hello_before,
             "max_unanswered": rules.max_unanswered},
        ) as cur:
            cur.row_factory = _plain  # type: ignore[assignment]  # tuples, no Row in between
            rows = await cur.fetchall()
        make = NudgeTarget._make
        for row in rows:
            guild = row[11]
            if guild not in found:
                found[guild] = []
            found[guild].append(make(row[:11]))
        return found
    finally:
        await conn.execute("DELETE FROM temp.nudge_open_skill")


@cache
def _rules_statement(many: bool) -> str:
    """The rules' statement for one community (`many` False: `= :guilds`, as it always was) or a batch of
    them (`many`: `IN` the JSON list). A batch's member meets only their own community's rows: its open
    requests (`{mine:…}`: the table holds every community's, ranked per community in turn) and the
    godparents of its check-ins (`{own_godparent}`); alone, those checks cannot fail and are left out."""
    sql = (
        f"WITH {_ELIGIBLE} SELECT e.id, e.platform_id, e.handle, e.locale, e.dms_closed, q.id, q.title, "
        "gc.id, gc.handle, "
        "CASE WHEN q.id IS NULL AND gc.id IS NULL "
        "AND COALESCE(e.profile_updated_at, e.joined_at) < :stale AND NOT EXISTS (SELECT 1 FROM nudge n "
        "WHERE n.member_id = e.id AND n.reason = 'profile' AND n.at >= :stale) "
        "THEN COALESCE(e.profile_updated_at, e.joined_at) END, "
        "CASE WHEN q.id IS NULL AND gc.id IS NULL THEN COALESCE(e.last_active_at, e.joined_at) < :quiet "
        "AND NOT EXISTS (SELECT 1 FROM nudge n WHERE n.member_id = e.id AND n.reason = 'hello' "
        "AND n.at >= :last_hello) "
        "AND (SELECT COUNT(*) FROM nudge n WHERE n.member_id = e.id AND n.reason = 'hello' "
        "AND n.at > COALESCE(e.last_active_at, e.joined_at)) < :max_unanswered ELSE FALSE END, e.guild_id "
        f"FROM eligible e LEFT JOIN request q ON q.id = CASE WHEN e.available = 1 THEN {_FIRST_REQUEST} END "
        f"LEFT JOIN member gc ON gc.id = CASE WHEN q.id IS NULL THEN {_QUIET_GODCHILD} END"
    )
    for placeholder, one, batch in (
        # A batch walks the member table in id order (no index: one pass, and every member's rows in the
        # other tables' indexes come in their order too); its communities are most of the file's.
        ("{member_guild}", "m.guild_id = :guilds", "+m.guild_id IN (SELECT value FROM json_each(:guilds))"),
        ("{guilds}", "= :guilds", "IN (SELECT value FROM json_each(:guilds))"),
        ("{own_godparent}", "", "JOIN member gp ON gp.id = g.godparent_id AND gp.guild_id = g.guild_id "),
        ("{mine:o}", "", " AND o.guild_id = e.guild_id"),
        ("{mine:t}", "", " AND t.guild_id = e.guild_id"),
    ):
        sql = sql.replace(placeholder, batch if many else one)
    return sql


def _plain(_cursor: object, row: tuple) -> tuple:
    return row


async def record_nudges(conn: aiosqlite.Connection, rows: Sequence[tuple[int, str, str, int | None, int]]) -> None:
    """Rows of (member_id, week, reason, subject_id, at); a member already nudged this week is kept as is."""
    await insert_rows(conn, "INSERT OR IGNORE INTO nudge (member_id, week, reason, subject_id, at) VALUES", rows)


# The nudges about one request, found by nudge_subject (subject_id, reason).
DROP_REQUEST_NUDGES = (
    "DELETE FROM outbox WHERE status = 'pending' AND kind = 'nudge' AND key IN ("
    "SELECT ? || 'nudge:' || n.week || ':' || n.member_id FROM nudge n "
    "WHERE n.reason = 'request' AND n.subject_id = ?)"
)


async def drop_request_nudges(conn: aiosqlite.Connection, request_id: int, key_prefix: str = "") -> int:
    """Take back the weekly nudges about a request not delivered yet (it was just claimed): each
    member's nudge of a week is the outbox row keyed <prefix>nudge:<week>:<member>. How many were dropped."""
    cur = await conn.execute(DROP_REQUEST_NUDGES, (key_prefix, request_id))
    return cur.rowcount


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
