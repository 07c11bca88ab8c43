"""Routing: which members a help request pings, best first, decided by one indexed statement.

The rules (share of the requested skills, fairness, fatigue, languages, quiet hours) are the
service's; FULL_ROUTE_SQL (storage/routing_reference.py) writes them plainly and is the reference
the fast statements are tested against (tests/test_routing_fastpath.py); GROUP_SQL (up to three
skills, storage/routing_group.py) and MANY_SKILLS_SQL (storage/routing_many.py) are what the bot
runs. Both walk precomputed fairness indexes (0032, 0033) and stop early. The shared SQL
fragments are in storage/routing_filters.py; this module holds the parameters and the calls."""
from __future__ import annotations

import json
from dataclasses import dataclass, replace

import aiosqlite

from storage import members as members_repo
from storage import routing_pg
from storage.members import Member
from storage.routing_filters import _MEMBER_COLUMNS, _ROUTABLE, _SPEAKS, LANGUAGE_SLOTS  # noqa: F401 - network_shared reads them here
from storage.routing_group import (  # noqa: F401 - tests read GROUP_SKILLS
    GROUP_SKILLS,
    GROUP_SQL,
    GROUP_SQL_FOR,
    GROUP_SQL_ORDERED,
    GROUP_SQL_ORDERED_FOR,
)
from storage.routing_many import MANY_SKILLS_SQL, MANY_SKILLS_SQL_ORDERED, WALK_BUDGET, WALK_FROM  # noqa: F401 - tests
from storage.routing_reference import FULL_ROUTE_SQL, route_candidates_reference  # noqa: F401 - tests, benchmarks


@dataclass(frozen=True)
class RouteParams:
    """Everything the routing query needs, computed by the service (times, local hours, languages)."""

    guild_id: str
    request_id: int
    requester_id: int
    urgent: bool
    limit: int
    fair_since: int
    fatigue_since: int
    fatigue_cap: int
    community_tz: str
    community_hour: int
    now: int  # the instant whose local hours decide quiet hours
    languages: list[str]
    exclude: tuple[int, ...] = ()
    # The community's default night (local hours) for members who set no quiet hours; equal: none.
    night_start: int = 0
    night_end: int = 0
    walk_from: int | None = WALK_FROM  # None: automatic; tests force a walk (0) or none (a huge number)
    walk_budget: int = WALK_BUDGET
    # The request's number of skills when known (route_request reads it with the requester): SQLite
    # runs the statement made for that many (GROUP_SQL_FOR). Not a parameter of the statements.
    skills: int | None = None

    def as_sql(self) -> dict[str, object]:
        return {
            "guild_id": self.guild_id, "request_id": self.request_id, "requester_id": self.requester_id,
            "urgent": int(self.urgent), "limit": self.limit, "fair_since": self.fair_since,
            "fatigue_since": self.fatigue_since, "fatigue_cap": self.fatigue_cap,
            "community_tz": self.community_tz, "community_hour": self.community_hour,
            "now": self.now, "languages": json.dumps(self.languages),
            "more_languages": int(len(self.languages) > LANGUAGE_SLOTS),
            **{f"lang_{i + 1}": self.languages[i] if i < len(self.languages) else None
               for i in range(LANGUAGE_SLOTS)},
            "exclude": json.dumps(list(self.exclude)), "walk_from": self.walk_from,
            "walk_budget": self.walk_budget, "night_start": self.night_start, "night_end": self.night_end,
        }


async def route_candidates(conn: aiosqlite.Connection, params: RouteParams) -> list[Member]:
    """The next helpers for a request, best first, in one indexed statement (members never loaded in
    bulk) and one round trip; a second only for a request with more than GROUP_SKILLS skills (or
    more than params.skills said).
    PostgreSQL makes one call, to `entraide_route` (storage/routing_pg.py): it counts the request's
    skills and runs the statement made for that many, on the server."""
    sql_params = params.as_sql()
    if getattr(conn, "keeps_no_order", False):  # PostgreSQL: the same statements, chosen on the server
        rows = await conn.execute_fetchall(routing_pg.CALL_SQL, sql_params)
        return [m for m in map(members_repo._member, rows) if m is not None]
    # The statement for the request's number of skills when known (GROUP_SQL_FOR), else GROUP_SQL.
    # One made for fewer skills than the request has (a stale count) answers a row of NULLs alone:
    # the next one runs, MANY_SKILLS_SQL last.
    first = GROUP_SQL_FOR.get(max(params.skills, 1), GROUP_SQL) if params.skills is not None else GROUP_SQL
    for sql in dict.fromkeys((first, GROUP_SQL)):
        rows = [tuple(row)[:-1] for row in await conn.execute_fetchall(sql, sql_params)]
        if not rows or rows[0][0] is not None:
            break
    if rows and rows[0][0] is None:
        rows = [tuple(row) for row in await conn.execute_fetchall(MANY_SKILLS_SQL, sql_params)]
    return [m for m in map(members_repo._member, rows) if m is not None]


def route_languages(member: Member | None) -> list[str]:
    """The languages a request routes by: its requester's, trimmed, lower case, once each, sorted."""
    if member is None:
        return []
    return sorted({lang.strip().lower() for lang in member.languages.split(",") if lang.strip()})


async def route_request(conn: aiosqlite.Connection, params: RouteParams) -> tuple[Member | None, list[Member]]:
    """The requester (params.requester_id) and the helpers route_candidates picks for them, with
    params.languages replaced by the requester's (route_languages). PostgreSQL: one round trip
    (entraide_route_request reads the requester's row and languages on the server), two when the
    languages are not as `profile set` writes them (then the client reads them)."""
    if getattr(conn, "keeps_no_order", False):
        rows = await conn.execute_fetchall(routing_pg.REQUEST_CALL_SQL, params.as_sql())
        requester = next((members_repo._member(tuple(r)[:-1]) for r in rows if r[-1] == routing_pg.REQUESTER), None)
        if all(r[-1] != routing_pg.LANGUAGES_UNREAD for r in rows):
            return requester, [m for m in (members_repo._member(tuple(r)[:-1]) for r in rows
                                           if r[-1] == routing_pg.HELPER) if m is not None]
        skills = None
    else:  # SQLite: the requester and the request's number of skills in one round trip
        rows = await conn.execute_fetchall(_REQUESTER_SQL, {"requester_id": params.requester_id,
                                                            "request_id": params.request_id})
        row = tuple(rows[0])
        requester = members_repo._member(row[:-1]) if row[0] is not None else None
        skills = int(row[-1])
    return requester, await route_candidates(conn, replace(params, languages=route_languages(requester),
                                                           skills=skills))


_REQUESTER_SQL = (f"SELECT {_MEMBER_COLUMNS}, (SELECT COUNT(*) FROM request_skill WHERE request_id = :request_id) "
                  "FROM (SELECT 1) LEFT JOIN member m ON m.id = :requester_id")


async def count_offerers(conn: aiosqlite.Connection, guild_id: str, request_id: int, requester_id: int) -> int:
    """Present, routable members (not the requester) offering a requested skill, whether or not they can be
    asked now: zero is the only case where "nobody offers it" is true."""
    async with conn.execute(
        "SELECT COUNT(DISTINCT ms.member_id) FROM request_skill rs "
        "JOIN member_skill ms ON ms.skill_id = rs.skill_id AND ms.kind = 'offer' "
        f"JOIN member m ON m.id = ms.member_id WHERE rs.request_id = ? AND m.guild_id = ? AND {_ROUTABLE} "
        "AND m.id != ?", (request_id, guild_id, requester_id),
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def answer_history(
    conn: aiosqlite.Connection, member_ids: list[int], since: int, settled_before: int, week_since: int,
) -> dict[int, tuple[int, int, int]]:
    """Per member: (pings between `since` and `settled_before`, claims since `since`, pings since
    `week_since`): how often they answer, and how much they were asked lately (a few index seeks each)."""
    if not member_ids:
        return {}
    marks = ",".join("?" * len(member_ids))
    rows = await conn.execute_fetchall(
        "SELECT m.id, "
        "(SELECT COUNT(*) FROM request_ping p WHERE p.helper_id = m.id AND p.at > ? AND p.at <= ?), "
        "(SELECT COUNT(*) FROM request_helper h WHERE h.helper_id = m.id AND h.claimed_at > ?), "
        "(SELECT COUNT(*) FROM request_ping p WHERE p.helper_id = m.id AND p.at > ?) "
        f"FROM member m WHERE m.id IN ({marks})",
        (since, settled_before, since, week_since, *member_ids),
    )
    return {int(r[0]): (int(r[1]), int(r[2]), int(r[3])) for r in rows}


async def member_route_facts(
    conn: aiosqlite.Connection, member_ids: list[int], fatigue_since: int,
) -> dict[int, tuple[str, int | None, int]]:
    """Per member: (languages, last ping, pings since `fatigue_since`), for rules outside a routing round
    (weekly nudges about a request follow routing's language and fatigue rules)."""
    if not member_ids:
        return {}
    rows = await conn.execute_fetchall(
        "SELECT m.id, m.languages, m.last_pinged_at, CASE WHEN m.last_pinged_at > :since THEN "
        "(SELECT COUNT(*) FROM request_ping p WHERE p.helper_id = m.id AND p.at > :since) ELSE 0 END "
        "FROM member m WHERE m.id IN (SELECT value FROM json_each(:ids))",
        {"since": fatigue_since, "ids": json.dumps(member_ids)},
    )
    return {int(r[0]): (str(r[1] or ""), r[2], int(r[3])) for r in rows}


async def requester_languages(conn: aiosqlite.Connection, request_ids: list[int]) -> dict[int, str]:
    """Each request's requester's languages ('' when unknown or gone)."""
    if not request_ids:
        return {}
    rows = await conn.execute_fetchall(
        "SELECT r.id, COALESCE(m.languages, '') FROM request r LEFT JOIN member m ON m.id = r.requester_id "
        "WHERE r.id IN (SELECT value FROM json_each(?))", (json.dumps(request_ids),),
    )
    return {int(r[0]): str(r[1]) for r in rows}


async def explain_route(conn: aiosqlite.Connection, params: RouteParams) -> list[str]:
    """The query plans of the routing statements (tests prove they use indexes)."""
    steps = []
    for sql in (GROUP_SQL, MANY_SKILLS_SQL):
        steps += [str(row[3]) for row in await conn.execute_fetchall("EXPLAIN QUERY PLAN " + sql, params.as_sql())]
    return steps


