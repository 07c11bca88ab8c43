"""Help requests: the request, its skills, its pings and its helpers; the routing query lives here."""
from __future__ import annotations

import json
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
    async with conn.execute(
        f"SELECT {REQUEST_COLUMNS} FROM request WHERE id = ? AND guild_id = ?", (request_id, guild_id)
    ) as cur:
        return _request(await cur.fetchone())


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


# Routing ------------------------------------------------------------------------------------

FULL_ROUTE_SQL = f"""
WITH wanted(skill_id) AS (
    SELECT skill_id FROM request_skill WHERE request_id = :request_id
),
local_hour(tz, hour) AS MATERIALIZED (
    SELECT key, value FROM json_each(:tz_hours)
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
        COALESCE((SELECT lh.hour FROM local_hour lh WHERE lh.tz = COALESCE(m.timezone, :community_tz)),
                 :community_hour) AS hour
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
            WHERE ',' || REPLACE(LOWER(m.languages), ' ', '') || ',' LIKE '%,' || l.value || ',%'))
)
SELECT {members_repo.MEMBER_COLUMNS} FROM candidate
WHERE :urgent OR quiet_start IS NULL OR quiet_end IS NULL OR quiet_start = quiet_end
   OR (quiet_start < quiet_end AND NOT (hour >= quiet_start AND hour < quiet_end))
   OR (quiet_start > quiet_end AND NOT (hour >= quiet_start OR hour < quiet_end))
ORDER BY skills DESC, recent_pings ASC, last_ping IS NOT NULL, last_ping ASC, joined_at ASC, id ASC
LIMIT :limit
"""
"""The routing rules written plainly: every member offering a requested skill is ranked. It is the
reference the fast query is tested against (tests/test_routing_fastpath.py), not what the bot runs."""

# By default (walk_from None) the WALK_SLOTS most offered requested skills are walked (below) when
# they have at least 32 offers: a walk reads only that skill's own offers, in fairness order, so it
# never costs more than ranking them; under 32 offers ranking is as cheap and needs no fallback.
WALK_FROM: int | None = None
# A walk reads at most this many offers; finding fewer than helpers_per_round in them, routing
# ranks every offer of that skill instead (the walk only ever shortcuts, it never decides alone).
WALK_BUDGET = 4096

# Present, routable members: member_skill.walk_routable (0032) is 1 exactly for their offers.
_ROUTABLE = ("m.left_at IS NULL AND m.erased = 0 AND m.active = 1 AND m.available = 1 "
             "AND m.charter_accepted_at IS NOT NULL")

# The member's local hour: each hour's zones are one IN list (an ephemeral index SQLite builds once
# per statement), so looking a zone up costs a few index probes, never a scan of every zone.
_LOCAL_HOUR = "CASE WHEN m.timezone IS NULL OR m.timezone = :community_tz THEN :community_hour " + " ".join(
    f"WHEN COALESCE(m.timezone, :community_tz) IN (SELECT value FROM json_each(:zones_{h})) THEN {h}"
    for h in range(24)) + " ELSE :community_hour END"

# The per-request filters, cheapest first. Pings are counted only for members whose last ping
# (member.last_pinged_at, kept equal to MAX(request_ping.at) by triggers) falls inside the window.
_ELIGIBLE = """m.id != :requester_id
      AND m.id NOT IN (SELECT value FROM json_each(:exclude))
      AND NOT EXISTS (SELECT 1 FROM request_ping p WHERE p.request_id = :request_id AND p.helper_id = m.id)
      AND NOT EXISTS (SELECT 1 FROM request_helper h WHERE h.request_id = :request_id AND h.helper_id = m.id)
      AND (CASE WHEN m.last_pinged_at > :fatigue_since THEN (SELECT COUNT(*) FROM request_ping p
                WHERE p.helper_id = m.id AND p.at > :fatigue_since) ELSE 0 END) < :fatigue_cap
      AND (:languages = '[]' OR TRIM(m.languages) = '' OR EXISTS (
            SELECT 1 FROM json_each(:languages) l
            WHERE ',' || REPLACE(LOWER(m.languages), ' ', '') || ',' LIKE '%,' || l.value || ',%'))
      AND (:urgent OR m.quiet_start IS NULL OR m.quiet_end IS NULL OR m.quiet_start = m.quiet_end
           OR NOT EXISTS (
            SELECT 1 FROM (SELECT {_LOCAL_HOUR} AS hour) h
            WHERE (m.quiet_start < m.quiet_end AND h.hour >= m.quiet_start AND h.hour < m.quiet_end)
               OR (m.quiet_start > m.quiet_end AND (h.hour >= m.quiet_start OR h.hour < m.quiet_end))))"""
_ELIGIBLE = _ELIGIBLE.replace("{_LOCAL_HOUR}", _LOCAL_HOUR)

_SKILLS = ("(SELECT COUNT(*) FROM member_skill x WHERE x.member_id = m.id AND x.kind = 'offer' "
           "AND x.skill_id IN (SELECT skill_id FROM wanted))")
_RECENT = ("CASE WHEN m.last_pinged_at > :fair_since THEN (SELECT COUNT(*) FROM request_ping p "
           "WHERE p.helper_id = m.id AND p.at > :fair_since) ELSE 0 END")
# How many requested skills are walked (the most offered ones); the others are ranked exactly.
WALK_SLOTS = 3


def _zone(k: int) -> str:
    """Walk slot k: at most :walk_budget offers of its skill by routable members, in zone order (never
    pinged, by seniority; then pinged before the fairness window, least recently first), read from
    the partial index member_skill_offer_walk alone (0032 keeps its copies of the member's last ping,
    seniority and routability in step). Offers pinged inside the window are never read."""
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


def _walk_ctes(k: int) -> str:
    return f"""walk_{k}(skill_id, offers) AS MATERIALIZED (
    SELECT skill_id, offers FROM wanted WHERE offers >= COALESCE(:walk_from, 32)
    ORDER BY offers DESC, skill_id LIMIT 1 OFFSET {k}
),
walked_{k}(id, skills, recent, last_ping, joined_at) AS MATERIALIZED (
    SELECT m.id, {_SKILLS}, 0, m.last_pinged_at, m.joined_at
    FROM ({_zone(k)}) z CROSS JOIN member m ON m.id = z.id
    WHERE m.guild_id = :guild_id AND {_ROUTABLE} AND {_ELIGIBLE}
    LIMIT :limit
),"""


_ORDER = "skills DESC, recent ASC, last_ping IS NOT NULL, last_ping ASC, joined_at ASC, id ASC"
_SLOTS = range(WALK_SLOTS)
_WALK_CTES = "".join(_walk_ctes(k) for k in _SLOTS)
# A walk that found :limit eligible members stands for its skill; one that did not hands it to `drive`.
_FULL_WALK = " UNION ALL ".join(
    f"SELECT skill_id, offers FROM walk_{k} WHERE (SELECT COUNT(*) FROM walked_{k}) >= :limit" for k in _SLOTS)
_WALKED_SINGLES = "".join(
    f"UNION ALL SELECT * FROM walked_{k} WHERE skills = 1 AND (SELECT COUNT(*) FROM walked_{k}) >= :limit\n    "
    for k in _SLOTS)

ROUTE_SQL = f"""
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
SELECT {", ".join("m." + c.strip() for c in members_repo.MEMBER_COLUMNS.split(","))}
FROM best JOIN member m ON m.id = best.id
ORDER BY best.skills DESC, best.recent ASC, best.last_ping IS NOT NULL, best.last_ping ASC, best.joined_at ASC,
         best.id ASC
"""
"""Routing in one statement, exact and fast at 100,000 members.

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
    tz_hours: dict[str, int]
    languages: list[str]
    exclude: tuple[int, ...] = ()
    walk_from: int | None = WALK_FROM  # None: automatic; tests force a walk (0) or none (a huge number)
    walk_budget: int = WALK_BUDGET

    def as_sql(self) -> dict[str, object]:
        return {
            "guild_id": self.guild_id, "request_id": self.request_id, "requester_id": self.requester_id,
            "urgent": int(self.urgent), "limit": self.limit, "fair_since": self.fair_since,
            "fatigue_since": self.fatigue_since, "fatigue_cap": self.fatigue_cap,
            "community_tz": self.community_tz, "community_hour": self.community_hour,
            "tz_hours": json.dumps(self.tz_hours), "languages": json.dumps(self.languages),
            "exclude": json.dumps(list(self.exclude)), "walk_from": self.walk_from,
            "walk_budget": self.walk_budget,
        }

    def fast_sql(self) -> dict[str, object]:
        """ROUTE_SQL's parameters: the zones by local hour instead of each zone's hour."""
        params = self.as_sql()
        del params["tz_hours"]
        params.update(_zones_by_hour(self.tz_hours))
        return params


_ZONES_CACHE: list[tuple[dict[str, int], dict[str, str]]] = []


def _zones_by_hour(tz_hours: dict[str, int]) -> dict[str, str]:
    """`zones_<h>`: the zones whose local hour is h (JSON lists). The service hands the same dict for
    a whole minute, so the last few are kept (by identity: the dict itself is held, never reused)."""
    for known, zones in _ZONES_CACHE:
        if known is tz_hours:
            return zones
    lists: list[list[str]] = [[] for _ in range(24)]
    for zone, hour in tz_hours.items():
        lists[hour].append(zone)
    zones = {f"zones_{h}": json.dumps(names) for h, names in enumerate(lists)}
    _ZONES_CACHE.insert(0, (tz_hours, zones))
    del _ZONES_CACHE[4:]
    return zones


async def route_candidates(conn: aiosqlite.Connection, params: RouteParams) -> list[Member]:
    """The next helpers for a request, best first, in ONE indexed query (members never loaded in bulk)."""
    async with conn.execute(ROUTE_SQL, params.fast_sql()) as cur:
        rows = await cur.fetchall()
    return [m for m in map(members_repo._member, rows) if m is not None]


async def route_candidates_reference(conn: aiosqlite.Connection, params: RouteParams) -> list[Member]:
    """The same decision by the plain reference query (FULL_ROUTE_SQL), for tests and benchmarks."""
    sql_params = {k: v for k, v in params.as_sql().items() if k not in ("walk_from", "walk_budget")}
    async with conn.execute(FULL_ROUTE_SQL, sql_params) as cur:
        rows = await cur.fetchall()
    return [m for m in map(members_repo._member, rows) if m is not None]


async def explain_route(conn: aiosqlite.Connection, params: RouteParams) -> list[str]:
    """The query plan of the routing query (tests prove it uses indexes)."""
    async with conn.execute("EXPLAIN QUERY PLAN " + ROUTE_SQL, params.fast_sql()) as cur:
        return [str(row[3]) for row in await cur.fetchall()]


async def record_round(
    conn: aiosqlite.Connection, request_id: int, helper_ids: list[int], round_no: int, at: int
) -> None:
    """Every ping is kept (fairness, fatigue, vitality) and the round is counted on the request."""
    await conn.executemany(
        "INSERT INTO request_ping (request_id, helper_id, round, at) VALUES (?, ?, ?, ?)",
        [(request_id, helper_id, round_no, at) for helper_id in helper_ids],
    )
    await conn.execute(
        "UPDATE request SET rounds = ?, last_round_at = ?, "
        "first_ping_at = CASE WHEN first_ping_at IS NULL AND ? THEN ? ELSE first_ping_at END WHERE id = ?",
        (round_no, at, int(bool(helper_ids)), at, request_id),
    )


async def pinged_members(conn: aiosqlite.Connection, request_id: int) -> list[Member]:
    """Present members pinged for a request, in ping order."""
    cols = ", ".join("m." + c.strip() for c in members_repo.MEMBER_COLUMNS.split(","))
    async with conn.execute(
        f"SELECT {cols} FROM member m WHERE m.left_at IS NULL AND m.erased = 0 AND m.id IN "
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
    cols = ", ".join("m." + c.strip() for c in members_repo.MEMBER_COLUMNS.split(","))
    async with conn.execute(
        f"SELECT {cols} FROM request_helper h JOIN member m ON m.id = h.helper_id "
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
    limit: int = -1,
) -> list[Request]:
    """Open, unclaimed requests whose last round is old enough for the next step (oldest first, at most `limit`)."""
    return await _requests(
        conn,
        f"SELECT {REQUEST_COLUMNS} FROM request WHERE guild_id = ? AND status = 'open' "
        "AND COALESCE(last_round_at, created_at) <= CASE WHEN urgent THEN ? ELSE ? END "
        "AND (rounds < ? OR escalated_at IS NULL) ORDER BY id LIMIT ?",
        (guild_id, urgent_before, normal_before, max_rounds, limit),
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
