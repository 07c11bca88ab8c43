"""Routing: which members a help request pings, best first, decided by one indexed statement.

The rules (share of the requested skills, fairness, fatigue, languages, quiet hours) are the
service's; FULL_ROUTE_SQL writes them plainly and is the reference the fast statements are tested
against (tests/test_routing_fastpath.py); GROUP_SQL (up to three skills) and MANY_SKILLS_SQL are
what the bot runs. Both walk precomputed fairness indexes (0032, 0033) and stop early."""
from __future__ import annotations

import json
from dataclasses import dataclass

import aiosqlite

from storage import members as members_repo
from storage.members import Member

FULL_ROUTE_SQL = f"""
WITH wanted(skill_id) AS (
    SELECT skill_id FROM request_skill WHERE request_id = :request_id
),
matched(member_id, skills) AS (
    SELECT ms.member_id, COUNT(*) FROM wanted w
    JOIN member_skill ms ON ms.skill_id = w.skill_id AND ms.kind = 'offer'
    GROUP BY ms.member_id
),
candidate AS (
    SELECT m.*, matched.skills AS skills,
        (SELECT COUNT(*) FROM request_ping p WHERE p.helper_id = m.id AND p.at > :fair_since) AS recent_pings,
        (SELECT MAX(p.at) FROM request_ping p WHERE p.helper_id = m.id) AS last_ping,
        COALESCE(local_hour(COALESCE(m.timezone, :community_tz), :now), :community_hour) AS hour
    FROM matched JOIN member m ON m.id = matched.member_id
    WHERE m.guild_id = :guild_id
      AND m.left_at IS NULL AND m.erased = 0 AND m.active = 1 AND m.available = 1
      AND m.charter_accepted_at IS NOT NULL
      AND m.id != :requester_id
      AND m.id NOT IN (SELECT value FROM json_each(:exclude))
      AND NOT EXISTS (SELECT 1 FROM request_ping p WHERE p.request_id = :request_id AND p.helper_id = m.id)
      AND NOT EXISTS (SELECT 1 FROM request_helper h WHERE h.request_id = :request_id AND h.helper_id = m.id)
      AND (SELECT COUNT(*) FROM request_ping p WHERE p.helper_id = m.id AND p.at > :fatigue_since) < :fatigue_cap
      AND (:languages = '[]' OR TRIM(m.languages) = '' OR EXISTS (
            SELECT 1 FROM json_each(:languages) l
            WHERE instr(',' || REPLACE(LOWER(m.languages), ' ', '') || ',', ',' || l.value || ',') > 0))
)
SELECT {members_repo.MEMBER_COLUMNS} FROM (
    SELECT *, CASE WHEN quiet_start IS NULL OR quiet_end IS NULL THEN :night_start ELSE quiet_start END AS qs,
              CASE WHEN quiet_start IS NULL OR quiet_end IS NULL THEN :night_end ELSE quiet_end END AS qe
    FROM candidate)
WHERE :urgent OR qs = qe
   OR (qs < qe AND NOT (hour >= qs AND hour < qe))
   OR (qs > qe AND NOT (hour >= qs OR hour < qe))
ORDER BY skills DESC, recent_pings ASC, last_ping IS NOT NULL, last_ping ASC, joined_at ASC, id ASC
LIMIT :limit
"""
"""The routing rules written plainly: every member offering a requested skill is ranked. It is the
reference the fast query is tested against (tests/test_routing_fastpath.py), not what the bot runs."""

# By default (walk_from None) the WALK_SLOTS most offered requested skills are walked (below) when
# they have at least 32 offers: a walk reads only that skill's own offers, in fairness order, so it
# never costs more than ranking them; under 32 offers ranking is as cheap and needs no fallback.
_MEMBER_COLUMNS = ", ".join("m." + c.strip() for c in members_repo.MEMBER_COLUMNS.split(","))
WALK_FROM: int | None = None
# A walk reads at most this many offers; finding fewer than helpers_per_round in them, routing
# ranks every offer of that skill instead (the walk only ever shortcuts, it never decides alone).
WALK_BUDGET = 4096

# Present, routable members: member_skill.walk_routable (0032) is 1 exactly for their offers.
_ROUTABLE = ("m.left_at IS NULL AND m.erased = 0 AND m.active = 1 AND m.available = 1 "
             "AND m.charter_accepted_at IS NOT NULL")

# The member's local hour (storage/sql_functions.py), the community's for an unknown zone.
_LOCAL_HOUR = ("CASE WHEN m.timezone IS NULL OR m.timezone = :community_tz THEN :community_hour "
               "ELSE COALESCE(local_hour(m.timezone, :now), :community_hour) END")

# The member speaks one of the requester's languages: the first LANGUAGE_SLOTS are bound one by one
# (a JSON list read for every member costs a third of a typical walk); the rest, rare, from the list.
LANGUAGE_SLOTS = 4
_SPOKEN = "',' || REPLACE(LOWER(m.languages), ' ', '') || ','"
_SPEAKS = "(" + " OR ".join(
    f"instr({_SPOKEN}, ',' || :lang_{i} || ',') > 0" for i in range(1, LANGUAGE_SLOTS + 1)) + (
    f" OR (:more_languages AND EXISTS (SELECT 1 FROM json_each(:languages) l WHERE instr({_SPOKEN}, ',' || l.value "
    "|| ',') > 0)))")

# The per-request filters, cheapest first. Pings are counted only for members whose last ping
# (member.last_pinged_at, kept equal to MAX(request_ping.at) by triggers) falls inside the window.
_ELIGIBLE = """m.id != :requester_id
      AND m.id NOT IN (SELECT value FROM json_each(:exclude))
      AND NOT EXISTS (SELECT 1 FROM request_ping p WHERE p.request_id = :request_id AND p.helper_id = m.id)
      AND NOT EXISTS (SELECT 1 FROM request_helper h WHERE h.request_id = :request_id AND h.helper_id = m.id)
      AND (CASE WHEN m.last_pinged_at > :fatigue_since THEN (SELECT COUNT(*) FROM request_ping p
                WHERE p.helper_id = m.id AND p.at > :fatigue_since) ELSE 0 END) < :fatigue_cap
      AND (:languages = '[]' OR TRIM(m.languages) = '' OR {_SPEAKS})
      AND (:urgent OR NOT EXISTS (
            SELECT 1 FROM (SELECT {_LOCAL_HOUR} AS hour,
                CASE WHEN m.quiet_start IS NULL OR m.quiet_end IS NULL THEN :night_start ELSE m.quiet_start END AS qs,
                CASE WHEN m.quiet_start IS NULL OR m.quiet_end IS NULL THEN :night_end ELSE m.quiet_end END AS qe) h
            WHERE (h.qs < h.qe AND h.hour >= h.qs AND h.hour < h.qe)
               OR (h.qs > h.qe AND (h.hour >= h.qs OR h.hour < h.qe))))"""
_ELIGIBLE = _ELIGIBLE.replace("{_LOCAL_HOUR}", _LOCAL_HOUR).replace("{_SPEAKS}", _SPEAKS)

_SKILLS = ("(SELECT COUNT(*) FROM member_skill x WHERE x.member_id = m.id AND x.kind = 'offer' "
           "AND x.skill_id IN (SELECT skill_id FROM wanted))")
_RECENT = ("CASE WHEN m.last_pinged_at > :fair_since THEN (SELECT COUNT(*) FROM request_ping p "
           "WHERE p.helper_id = m.id AND p.at > :fair_since) ELSE 0 END")
# How many requested skills are walked (the most offered ones); the others are ranked exactly.
WALK_SLOTS = 3


def _zone(k: int, ordered: bool = False) -> str:
    """Walk slot k: at most :walk_budget offers of its skill by routable members, in zone order (never
    pinged, by seniority; then pinged before the fairness window, least recently first), read from
    the partial index member_skill_offer_walk alone (0032 keeps its copies of the member's last ping,
    seniority and routability in step). Offers pinged inside the window are never read."""
    if ordered:
        return _zone_ordered(k)
    return f"""SELECT member_id AS id FROM (
            SELECT o.member_id FROM member_skill o INDEXED BY member_skill_offer_walk
            WHERE o.skill_id = (SELECT skill_id FROM walk_{k}) AND o.kind = 'offer' AND o.walk_routable = 1
              AND o.walk_pinged_at IS NULL
            ORDER BY o.walk_joined_at, o.member_id LIMIT :walk_budget)
        UNION ALL
        SELECT member_id AS id FROM (
            SELECT o.member_id FROM member_skill o INDEXED BY member_skill_offer_walk
            WHERE o.skill_id = (SELECT skill_id FROM walk_{k}) AND o.kind = 'offer' AND o.walk_routable = 1
              AND o.walk_pinged_at <= :fair_since
            ORDER BY o.walk_pinged_at, o.walk_joined_at, o.member_id LIMIT :walk_budget)
        LIMIT :walk_budget"""


def _zone_ordered(k: int) -> str:
    """_zone for engines that keep no row order without ORDER BY (PostgreSQL): each row carries its
    arm and its walk keys, so the walk is cut in its order (index-ordered arms, merged, then LIMIT)."""
    base = (f"FROM member_skill o WHERE o.skill_id = (SELECT skill_id FROM walk_{k}) AND o.kind = 'offer' "
            "AND o.walk_routable = 1")
    return f"""SELECT * FROM (
        SELECT * FROM (SELECT o.member_id AS id, 1 AS arm, o.walk_joined_at AS k1, o.member_id AS k2, 0 AS k3
            {base} AND o.walk_pinged_at IS NULL ORDER BY o.walk_joined_at, o.member_id LIMIT :walk_budget) a1
        UNION ALL
        SELECT * FROM (SELECT o.member_id AS id, 2 AS arm, o.walk_pinged_at AS k1, o.walk_joined_at AS k2,
            o.member_id AS k3 {base} AND o.walk_pinged_at <= :fair_since
            ORDER BY o.walk_pinged_at, o.walk_joined_at, o.member_id LIMIT :walk_budget) a2
        ORDER BY arm, k1, k2, k3 LIMIT :walk_budget) zz"""


def _walk_ctes(k: int, ordered: bool = False) -> str:
    cut = "ORDER BY z.arm, z.k1, z.k2, z.k3 " if ordered else ""
    return f"""walk_{k}(skill_id, offers) AS MATERIALIZED (
    SELECT skill_id, offers FROM wanted WHERE offers >= COALESCE(:walk_from, 32)
    ORDER BY offers DESC, skill_id LIMIT 1 OFFSET {k}
),
walked_{k}(id, skills, recent, last_ping, joined_at) AS MATERIALIZED (
    SELECT m.id, {_SKILLS}, 0, m.last_pinged_at, m.joined_at
    FROM ({_zone(k, ordered)}) z CROSS JOIN member m ON m.id = z.id
    WHERE m.guild_id = :guild_id AND {_ROUTABLE} AND {_ELIGIBLE}
    {cut}LIMIT :limit
),"""


_ORDER = "skills DESC, recent ASC, last_ping IS NOT NULL, last_ping ASC, joined_at ASC, id ASC"
_SLOTS = range(WALK_SLOTS)
_WALK_CTES = "".join(_walk_ctes(k) for k in _SLOTS)
_WALK_CTES_ORDERED = "".join(_walk_ctes(k, ordered=True) for k in _SLOTS)
# A walk that found :limit eligible members stands for its skill; one that did not hands it to `drive`.
_FULL_WALK = " UNION ALL ".join(
    f"SELECT skill_id, offers FROM walk_{k} WHERE (SELECT COUNT(*) FROM walked_{k}) >= :limit" for k in _SLOTS)
_WALKED_SINGLES = "".join(
    f"UNION ALL SELECT * FROM walked_{k} WHERE skills = 1 AND (SELECT COUNT(*) FROM walked_{k}) >= :limit\n    "
    for k in _SLOTS)

MANY_SKILLS_SQL = f"""
WITH wanted(skill_id, offers) AS MATERIALIZED (
    SELECT rs.skill_id, s.offer_count FROM request_skill rs JOIN skill s ON s.id = rs.skill_id
    WHERE rs.request_id = :request_id
),
{_WALK_CTES}
full_walk(skill_id, offers) AS MATERIALIZED (
    {_FULL_WALK}
),
drive(skill_id) AS MATERIALIZED (
    SELECT skill_id FROM wanted WHERE skill_id NOT IN (SELECT skill_id FROM full_walk)
),
pool_skill(skill_id) AS MATERIALIZED (
    SELECT skill_id FROM full_walk ORDER BY offers DESC, skill_id LIMIT -1 OFFSET 1
),
multi(id, skills) AS MATERIALIZED (
    SELECT c.member_id, c.skills FROM (
        SELECT DISTINCT o.member_id, (SELECT COUNT(*) FROM member_skill x WHERE x.member_id = o.member_id
            AND x.kind = 'offer' AND x.skill_id IN (SELECT skill_id FROM wanted)) AS skills
        FROM pool_skill p JOIN member_skill o INDEXED BY member_skill_offer_walk
            ON o.skill_id = p.skill_id AND o.kind = 'offer' AND o.walk_routable = 1) c
    WHERE c.skills >= 2 AND NOT EXISTS (SELECT 1 FROM member_skill x WHERE x.member_id = c.member_id
        AND x.kind = 'offer' AND x.skill_id IN (SELECT skill_id FROM drive))
),
ranked(id, skills, recent, last_ping, joined_at) AS (
    SELECT m.id, {_SKILLS}, {_RECENT}, m.last_pinged_at, m.joined_at
    FROM (SELECT DISTINCT ms.member_id FROM drive d
          JOIN member_skill ms ON ms.skill_id = d.skill_id AND ms.kind = 'offer') pool
    JOIN member m ON m.id = pool.member_id
    WHERE m.guild_id = :guild_id AND {_ROUTABLE} AND {_ELIGIBLE}
    UNION ALL
    SELECT m.id, mu.skills, {_RECENT}, m.last_pinged_at, m.joined_at
    FROM multi mu JOIN member m ON m.id = mu.id
    WHERE m.guild_id = :guild_id AND {_ROUTABLE} AND {_ELIGIBLE}
    {_WALKED_SINGLES}
),
best AS (
    SELECT * FROM ranked ORDER BY {_ORDER} LIMIT :limit
)
SELECT {_MEMBER_COLUMNS}
FROM best JOIN member m ON m.id = best.id
ORDER BY best.skills DESC, best.recent ASC, best.last_ping IS NOT NULL, best.last_ping ASC, best.joined_at ASC,
         best.id ASC
"""
MANY_SKILLS_SQL_ORDERED = MANY_SKILLS_SQL.replace(_WALK_CTES, _WALK_CTES_ORDERED)
"""Routing for a request with more than GROUP_SKILLS skills (rare), in one statement.

The order is (share of the skills DESC, recent pings ASC, last ping ASC with never first, joined_at,
id). Members with no ping in the fairness window have 0 recent pings and their last ping is
member.last_pinged_at, so among them the order is just (last_pinged_at, joined_at, id): the order of
the partial index member_skill_offer_walk within one skill. Each of the (up to WALK_SLOTS) most
offered requested skills is walked there (`walked_k`), never-pinged first then pinged before the
window, stopping at :limit eligible members. Candidates, in three disjoint sets:
- `drive`: every skill not walked, or whose walk found fewer than :limit: all its offers are ranked.
- `multi`: members offering two or more requested skills and no driven one. Each offers a walked
  skill other than the most offered one (`pool_skill`), so only those offers are read.
- the walked members offering only their walked skill (share 1).
A member missing from all three offers only a fully walked skill S and was not among its :limit
walked members: those :limit rank before them (larger share, or share 1 with 0 recent pings and
earlier in S's walk) and are all candidates. So a walk can only save time, never change the answer."""




# Requests for up to GROUP_SKILLS skills (nearly all) take GROUP_SQL below; more take MANY_SKILLS_SQL.
GROUP_SKILLS = 3
# Every non-empty set of the requested skills, by position (1 = the most offered requested skill).
_GROUPS: tuple[tuple[int, ...], ...] = ((1,), (2,), (3,), (1, 2), (1, 3), (2, 3), (1, 2, 3))


def _group_key(group: tuple[int, ...]) -> str:
    """The index key of a group: one skill, or the pair of its two least offered skills (skill_lo <
    skill_hi) plus, for three skills, the third one as a filter. No row: the group is not asked for."""
    name = "g" + "".join(map(str, group))
    few = f"(SELECT n FROM shape) <= {GROUP_SKILLS}"
    if len(group) == 1:
        return (f"{name}(skill_id) AS MATERIALIZED (\n    SELECT skill_id FROM wanted "
                f"WHERE pos = {group[0]} AND {few}\n),")
    *others, p, q = group
    other = f"(SELECT skill_id FROM wanted WHERE pos = {others[0]})" if others else "NULL"
    return (f"{name}(lo, hi, other) AS MATERIALIZED (\n"
            f"    SELECT MIN(a.skill_id, b.skill_id), MAX(a.skill_id, b.skill_id), {other}\n"
            f"    FROM wanted a JOIN wanted b ON a.pos = {p} AND b.pos = {q} WHERE {few}\n),")


def _group_source(group: tuple[int, ...], key: str) -> str:
    """FROM and WHERE reading a group's routable members through its walk index (`key`: the group's
    key CTE; none, nothing is read)."""
    if len(group) == 1:
        return (f"member_skill o INDEXED BY member_skill_offer_walk WHERE o.skill_id = (SELECT skill_id FROM {key}) "
                "AND o.kind = 'offer' AND o.walk_routable = 1")
    source = (f"member_offer_pair o INDEXED BY member_offer_pair_walk WHERE o.skill_lo = (SELECT lo FROM {key}) "
              f"AND o.skill_hi = (SELECT hi FROM {key}) AND o.walk_routable = 1")
    if len(group) == 3:
        source += (" AND EXISTS (SELECT 1 FROM member_skill x WHERE x.member_id = o.member_id "
                   f"AND x.skill_id = (SELECT other FROM {key}) AND x.kind = 'offer')")
    return source


def _group_ctes(group: tuple[int, ...], ordered: bool = False) -> str:
    """A group's walk: its first :limit eligible members in fairness order. Never pinged (by
    seniority), then pinged before the fairness window (least recently first), both read in the
    order of the walk index; then, only if those did not give :limit, the members pinged inside the
    window, sorted by their count of pings there (the only ones whose count is ever read)."""
    name = "g" + "".join(map(str, group))
    source = _group_source(group, name)
    if ordered:
        return _group_ctes_ordered(name, source)
    return f"""{name}_walk(id) AS MATERIALIZED (
    SELECT m.id FROM (
        SELECT id FROM (SELECT o.member_id AS id FROM {source} AND o.walk_pinged_at IS NULL
            ORDER BY o.walk_joined_at, o.member_id LIMIT {_UNBOUNDED})
        UNION ALL
        SELECT id FROM (SELECT o.member_id AS id FROM {source} AND o.walk_pinged_at <= :fair_since
            ORDER BY o.walk_pinged_at, o.walk_joined_at, o.member_id LIMIT {_UNBOUNDED})
        UNION ALL
        SELECT id FROM (SELECT o.member_id AS id, (SELECT COUNT(*) FROM request_ping p
                WHERE p.helper_id = o.member_id AND p.at > :fair_since) AS recent
            FROM {source} AND o.walk_pinged_at > :fair_since
            ORDER BY recent, o.walk_pinged_at, o.walk_joined_at, o.member_id LIMIT {_UNBOUNDED})) z
    CROSS JOIN member m ON m.id = z.id
    WHERE m.guild_id = :guild_id AND {_ROUTABLE} AND {_ELIGIBLE}
    LIMIT :limit
),"""


def _group_ctes_ordered(name: str, source: str) -> str:
    """_group_ctes for engines that keep no row order without ORDER BY (PostgreSQL): the same three
    arms, each row with its arm and walk keys, cut at :limit in that order."""
    source = source.replace(" INDEXED BY member_skill_offer_walk", "").replace(" INDEXED BY member_offer_pair_walk", "")
    return f"""{name}_walk(id) AS MATERIALIZED (
    SELECT m.id FROM (
        SELECT o.member_id AS id, 1 AS arm, o.walk_joined_at AS k1, o.member_id AS k2, 0 AS k3, 0 AS k4
            FROM {source} AND o.walk_pinged_at IS NULL
        UNION ALL
        SELECT o.member_id, 2, o.walk_pinged_at, o.walk_joined_at, o.member_id, 0
            FROM {source} AND o.walk_pinged_at <= :fair_since
        UNION ALL
        SELECT o.member_id, 3, (SELECT COUNT(*) FROM request_ping p WHERE p.helper_id = o.member_id
                AND p.at > :fair_since), o.walk_pinged_at, o.walk_joined_at, o.member_id
            FROM {source} AND o.walk_pinged_at > :fair_since) z
    JOIN member m ON m.id = z.id
    WHERE m.guild_id = :guild_id AND {_ROUTABLE} AND {_ELIGIBLE}
    ORDER BY z.arm, z.k1, z.k2, z.k3, z.k4
    LIMIT :limit
),"""


# A LIMIT keeps each ordered arm a subquery of its own, read in its ORDER BY (never flattened away).
_UNBOUNDED = 1 << 62
_RANK_COLUMN = len(members_repo.MEMBER_COLUMNS.split(",")) + 1
_GROUP_NAMES = ["g" + "".join(map(str, g)) for g in _GROUPS]
GROUP_SQL = f"""
WITH wanted(skill_id, offers, pos) AS MATERIALIZED (
    SELECT rs.skill_id, s.offer_count, ROW_NUMBER() OVER (ORDER BY s.offer_count DESC, rs.skill_id)
    FROM request_skill rs JOIN skill s ON s.id = rs.skill_id WHERE rs.request_id = :request_id
),
shape(n) AS MATERIALIZED (SELECT COUNT(*) FROM wanted),
{chr(10).join(_group_key(g) for g in _GROUPS)}
{chr(10).join(_group_ctes(g) for g in _GROUPS)}
candidate(id) AS MATERIALIZED (
    {" UNION ".join(f"SELECT id FROM {n}_walk" for n in _GROUP_NAMES)}
),
best(id, skills, recent, last_ping, joined_at, rank) AS MATERIALIZED (
    SELECT id, skills, recent, last_ping, joined_at, ROW_NUMBER() OVER (ORDER BY {_ORDER}) FROM (
        SELECT m.id, {_SKILLS} AS skills, {_RECENT} AS recent, m.last_pinged_at AS last_ping, m.joined_at
        FROM candidate c JOIN member m ON m.id = c.id)
    ORDER BY {_ORDER} LIMIT :limit
)
SELECT {_MEMBER_COLUMNS}, best.rank FROM best JOIN member m ON m.id = best.id
UNION ALL
SELECT {", ".join(["NULL"] * (_RANK_COLUMN - 1))}, 0 WHERE (SELECT n FROM shape) > {GROUP_SKILLS}
ORDER BY {_RANK_COLUMN}
"""
GROUP_SQL_ORDERED = GROUP_SQL.replace(chr(10).join(_group_ctes(g) for g in _GROUPS),
                                      chr(10).join(_group_ctes(g, ordered=True) for g in _GROUPS))
"""Routing in one statement, exact and fast at 100,000 members, for up to GROUP_SKILLS skills.

The order is (share of the requested skills DESC, recent pings ASC, last ping ASC with never first,
joined_at, id); call the last four "fairness order". Take a member M of the best :limit, offering
exactly the requested skills G. Every member offering all of G has at least M's share, so if :limit
eligible members of G came before M in fairness order, all of them would rank before M: M is among
the first :limit eligible members of G in fairness order. So for every non-empty G (one skill: its
offers, member_skill_offer_walk; two: member_offer_pair, 0033; three: the pair of the two least
offered, filtered by the third) a walk takes the first :limit eligible members in fairness order and
stops; the best :limit of the union of the walks, ranked exactly, are the answer. Members with no
ping in the window (0 recent pings) come first, already in index order; the others are sorted only
when a walk reaches them. With more skills a last row of NULLs says so: route_candidates then runs
MANY_SKILLS_SQL."""


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
    bulk) and one round trip; a second only for a request with more than GROUP_SKILLS skills."""
    sql_params = params.as_sql()
    ordered = getattr(conn, "keeps_no_order", False)  # PostgreSQL: walks cut in an explicit order
    group_sql, many_sql = (GROUP_SQL_ORDERED, MANY_SKILLS_SQL_ORDERED) if ordered else (GROUP_SQL, MANY_SKILLS_SQL)
    rows = [tuple(row)[:-1] for row in await conn.execute_fetchall(group_sql, sql_params)]
    if rows and rows[0][0] is None:
        rows = [tuple(row) for row in await conn.execute_fetchall(many_sql, sql_params)]
    return [m for m in map(members_repo._member, rows) if m is not None]


async def route_candidates_reference(conn: aiosqlite.Connection, params: RouteParams) -> list[Member]:
    """The same decision by the plain reference query (FULL_ROUTE_SQL), for tests and benchmarks."""
    sql_params = {k: v for k, v in params.as_sql().items() if k not in ("walk_from", "walk_budget")}
    async with conn.execute(FULL_ROUTE_SQL, sql_params) as cur:
        rows = await cur.fetchall()
    return [m for m in map(members_repo._member, rows) if m is not None]


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


