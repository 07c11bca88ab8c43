"""Routing's reference: the rules written plainly (FULL_ROUTE_SQL), every offer ranked.

Not what the bot runs (storage/routing.py runs the fast statements): tests and benchmarks prove the
fast statements pick exactly what this one picks (tests/test_routing_fastpath.py)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import aiosqlite

from storage import members as members_repo
from storage.members import Member

if TYPE_CHECKING:
    from storage.routing import RouteParams

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


async def route_candidates_reference(conn: aiosqlite.Connection, params: RouteParams) -> list[Member]:
    """The same decision by the plain reference query (FULL_ROUTE_SQL), for tests and benchmarks."""
    sql_params = {k: v for k, v in params.as_sql().items() if k not in ("walk_from", "walk_budget")}
    async with conn.execute(FULL_ROUTE_SQL, sql_params) as cur:
        rows = await cur.fetchall()
    return [m for m in map(members_repo._member, rows) if m is not None]
