"""The dashboard's aggregates beyond vitality's: open requests, join-month cohorts, waits per
request, who gives and who receives help, and the split from observers to pillars.

Like storage/vitality.py: a few aggregates, instants in epoch seconds, windows handed in by the caller.
"""
from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.vitality import Window


@dataclass(frozen=True)
class Span:
    """[lo, hi) as instants, e.g. one join month."""

    lo: int
    hi: int


async def open_requests(conn: aiosqlite.Connection, guild_id: str) -> int:
    """Requests still waiting for help or being helped."""
    async with conn.execute(
        "SELECT COUNT(*) FROM request WHERE guild_id = ? AND status IN ('open', 'claimed')", (guild_id,)
    ) as cur:
        row = await cur.fetchone()
    return int(row[0] or 0) if row else 0


async def cohorts(
    conn: aiosqlite.Connection, guild_id: str, spans: list[Span], recent: Window
) -> list[tuple[int, int]]:
    """Per span: (members who joined in it, those still present and active in `recent`)."""
    result: list[tuple[int, int]] = []
    for span in spans:
        async with conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN m.left_at IS NULL AND ("
            "  (m.last_active_at >= ? AND m.last_active_at <= ?)"
            "  OR EXISTS (SELECT 1 FROM activity_day a WHERE a.member_id = m.id AND a.day >= ? AND a.day <= ?)"
            ") THEN 1 ELSE 0 END), 0) FROM member m WHERE m.guild_id = ? AND m.joined_at >= ? AND m.joined_at < ?",
            (recent.start, recent.end, recent.start_day, recent.end_day, guild_id, span.lo, span.hi),
        ) as cur:
            row = await cur.fetchone()
        result.append((int(row[0] or 0), int(row[1] or 0)) if row else (0, 0))
    return result


async def first_claim_waits(conn: aiosqlite.Connection, guild_id: str, window: Window) -> list[tuple[int, int]]:
    """(created_at, seconds to the first claim) of the window's requests that found a helper."""
    async with conn.execute(
        "WITH waits AS MATERIALIZED ("
        " SELECT r.created_at AS created,"
        "  COALESCE((SELECT MIN(h.claimed_at) FROM request_helper h WHERE h.request_id = r.id), r.claimed_at)"
        "   - r.created_at AS wait"
        " FROM request r WHERE r.guild_id = ? AND r.created_at >= ? AND r.created_at <= ?"
        ") SELECT created, wait FROM waits WHERE wait IS NOT NULL ORDER BY created",
        (guild_id, window.start, window.end),
    ) as cur:
        return [(int(row[0]), max(0, int(row[1]))) for row in await cur.fetchall()]


async def help_split(conn: aiosqlite.Connection, guild_id: str, window: Window) -> tuple[int, int, int]:
    """(members who only helped, who helped and were helped, who were only helped) in the window,
    counted on the claims made in it, like vitality's reciprocity."""
    async with conn.execute(
        "WITH claims AS ("
        "  SELECT h.helper_id AS helper, r.requester_id AS helped FROM request_helper h"
        "  CROSS JOIN request r ON r.id = h.request_id"
        "  WHERE r.guild_id = ? AND h.claimed_at >= ? AND h.claimed_at <= ?"
        "  AND h.helper_id IS NOT NULL AND r.requester_id IS NOT NULL AND h.helper_id != r.requester_id),"
        " gave AS (SELECT DISTINCT helper AS id FROM claims),"
        " got AS (SELECT DISTINCT helped AS id FROM claims)"
        " SELECT (SELECT COUNT(*) FROM gave WHERE id NOT IN (SELECT id FROM got)),"
        "        (SELECT COUNT(*) FROM gave WHERE id IN (SELECT id FROM got)),"
        "        (SELECT COUNT(*) FROM got WHERE id NOT IN (SELECT id FROM gave))",
        (guild_id, window.start, window.end),
    ) as cur:
        row = await cur.fetchone()
    return (int(row[0]), int(row[1]), int(row[2])) if row else (0, 0, 0)


async def participation(
    conn: aiosqlite.Connection, guild_id: str, window: Window, pillar_claims: int
) -> dict[str, int]:
    """Present members by their part over the window: observers (nothing), participants (active,
    asked or thanked), contributors (helped, or godparent to a present member), pillars (helped at
    least `pillar_claims` times)."""
    async with conn.execute(
        "WITH people AS ("
        " SELECT m.id,"
        "  (SELECT COUNT(*) FROM request_helper h WHERE h.helper_id = m.id AND h.claimed_at >= ?"
        "   AND h.claimed_at <= ?) AS helped,"
        "  EXISTS (SELECT 1 FROM member c WHERE c.godparent_id = m.id AND c.left_at IS NULL) AS godparent,"
        "  ((m.last_active_at >= ? AND m.last_active_at <= ?)"
        "   OR EXISTS (SELECT 1 FROM activity_day a WHERE a.member_id = m.id AND a.day >= ? AND a.day <= ?)"
        "   OR EXISTS (SELECT 1 FROM request r WHERE r.requester_id = m.id AND r.created_at >= ?"
        "              AND r.created_at <= ?)"
        "   OR EXISTS (SELECT 1 FROM kudos k WHERE k.from_id = m.id AND k.at >= ? AND k.at <= ?)) AS active"
        " FROM member m WHERE m.guild_id = ? AND m.left_at IS NULL AND m.erased = 0)"
        " SELECT CASE WHEN helped >= ? THEN 'pillars' WHEN helped > 0 OR godparent THEN 'contributors'"
        "  WHEN active THEN 'participants' ELSE 'observers' END AS grp, COUNT(*) FROM people GROUP BY grp",
        (window.start, window.end, window.start, window.end, window.start_day, window.end_day,
         window.start, window.end, window.start, window.end, guild_id, pillar_claims),
    ) as cur:
        counts = {str(row[0]): int(row[1]) for row in await cur.fetchall()}
    return {group: counts.get(group, 0) for group in ("observers", "participants", "contributors", "pillars")}
