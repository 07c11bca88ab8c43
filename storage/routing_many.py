"""Routing for a request with more than GROUP_SKILLS skills (rare): MANY_SKILLS_SQL, walks of the
most offered requested skills plus an exact ranking of the rest (proof in MANY_SKILLS_SQL's docstring)."""
from __future__ import annotations

from storage.routing_filters import _ELIGIBLE, _MEMBER_COLUMNS, _ORDER, _RECENT, _ROUTABLE, _SKILLS

# By default (walk_from None) the WALK_SLOTS most offered requested skills are walked (below) when
# they have at least 32 offers: a walk reads only that skill's own offers, in fairness order, so it
# never costs more than ranking them; under 32 offers ranking is as cheap and needs no fallback.
WALK_FROM: int | None = None
# A walk reads at most this many offers; finding fewer than helpers_per_round in them, routing
# ranks every offer of that skill instead (the walk only ever shortcuts, it never decides alone).
WALK_BUDGET = 4096

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
