"""Vitality aggregates: a handful of indexed SQL aggregates, never a Python loop over members.

Instants are epoch seconds; activity days are `YYYY-MM-DD` strings in community time. Calendar
maths (which day belongs to which week) is done by the caller in Python and handed in as values.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True)
class Window:
    """[start, end] as instants and as community-time days (inclusive)."""

    start: int
    end: int
    start_day: str
    end_day: str


@dataclass(frozen=True)
class Bucket:
    """One point of a series: instants [lo, hi) and the local days it covers."""

    index: int
    lo: int
    hi: int
    days: tuple[str, ...]


async def _scalar(conn: aiosqlite.Connection, sql: str, params: Sequence[object]) -> int:
    async with conn.execute(sql, tuple(params)) as cur:
        row = await cur.fetchone()
    return int(row[0] or 0) if row else 0


async def count_active(conn: aiosqlite.Connection, guild_id: str, window: Window) -> int:
    """Members last seen in the window, plus those with an activity day in it but an older or missing
    last-seen time (no UNION over every activity row: last_active_at is normally the latest activity)."""
    return await _scalar(
        conn,
        "SELECT (SELECT COUNT(*) FROM member WHERE guild_id = ? AND last_active_at >= ? AND last_active_at <= ?)"
        " + (SELECT COUNT(*) FROM member m WHERE m.guild_id = ?"
        "    AND NOT (COALESCE(m.last_active_at, 0) >= ? AND COALESCE(m.last_active_at, 0) <= ?)"
        "    AND EXISTS (SELECT 1 FROM activity_day a WHERE a.member_id = m.id AND a.day >= ? AND a.day <= ?))",
        (guild_id, window.start, window.end, guild_id, window.start, window.end, window.start_day, window.end_day),
    )


async def newcomers(conn: aiosqlite.Connection, guild_id: str, window: Window) -> tuple[int, int]:
    """(members who joined in the window, how many of them have a godparent)."""
    async with conn.execute(
        "SELECT COUNT(*), COUNT(godparent_id) FROM member WHERE guild_id = ? AND joined_at >= ? AND joined_at <= ?",
        (guild_id, window.start, window.end),
    ) as cur:
        row = await cur.fetchone()
    return (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)


async def cohort_retention(
    conn: aiosqlite.Connection, guild_id: str, joined_from: int, joined_before: int, recent: Window
) -> tuple[int, int]:
    """(members who joined in [joined_from, joined_before), those still present and active in `recent`)."""
    async with conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN m.left_at IS NULL AND ("
        "  (m.last_active_at >= ? AND m.last_active_at <= ?)"
        "  OR EXISTS (SELECT 1 FROM activity_day a WHERE a.member_id = m.id AND a.day >= ? AND a.day <= ?)"
        ") THEN 1 ELSE 0 END), 0) "
        "FROM member m WHERE m.guild_id = ? AND m.joined_at >= ? AND m.joined_at < ?",
        (recent.start, recent.end, recent.start_day, recent.end_day, guild_id, joined_from, joined_before),
    ) as cur:
        row = await cur.fetchone()
    return (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)


async def requests_opened(conn: aiosqlite.Connection, guild_id: str, window: Window) -> int:
    return await _scalar(
        conn, "SELECT COUNT(*) FROM request WHERE guild_id = ? AND created_at >= ? AND created_at <= ?",
        (guild_id, window.start, window.end),
    )


async def requests_resolved(conn: aiosqlite.Connection, guild_id: str, window: Window) -> int:
    return await _scalar(
        conn,
        "SELECT COUNT(*) FROM request WHERE guild_id = ? AND resolved_at >= ? AND resolved_at <= ? "
        "AND status = 'resolved'",
        (guild_id, window.start, window.end),
    )


async def seconds_to_first_helper(conn: aiosqlite.Connection, guild_id: str, window: Window) -> list[int]:
    """For requests created in the window that found a helper: seconds from creation to the first claim."""
    async with conn.execute(
        "SELECT wait FROM ("
        " SELECT COALESCE((SELECT MIN(h.claimed_at) FROM request_helper h WHERE h.request_id = r.id), r.claimed_at)"
        "   - r.created_at AS wait"
        " FROM request r WHERE r.guild_id = ? AND r.created_at >= ? AND r.created_at <= ?"
        ") WHERE wait IS NOT NULL ORDER BY wait",
        (guild_id, window.start, window.end),
    ) as cur:
        return [max(0, int(row[0])) for row in await cur.fetchall()]


async def unmet_skills(conn: aiosqlite.Connection, guild_id: str, window: Window) -> list[str]:
    """Skills asked for in the window (spam-closed requests aside) that no present, active,
    available member offers."""
    async with conn.execute(
        "SELECT s.display FROM skill s WHERE s.guild_id = ? AND s.id IN ("
        "  SELECT rs.skill_id FROM request r JOIN request_skill rs ON rs.request_id = r.id"
        "  WHERE r.guild_id = ? AND r.created_at >= ? AND r.created_at <= ? AND r.status != 'closed')"
        " AND NOT EXISTS (SELECT 1 FROM member_skill ms JOIN member m ON m.id = ms.member_id"
        "  WHERE ms.skill_id = s.id AND ms.kind = 'offer' AND m.left_at IS NULL AND m.active = 1"
        "  AND m.available = 1 AND m.erased = 0)"
        " ORDER BY s.key",
        (guild_id, guild_id, window.start, window.end),
    ) as cur:
        return [str(row[0]) for row in await cur.fetchall()]


async def reciprocity(conn: aiosqlite.Connection, guild_id: str, window: Window) -> int:
    """Members who, in the window, both helped someone (claimed a request) and were helped."""
    return await _scalar(
        conn,
        "WITH claims AS ("
        "  SELECT h.helper_id AS helper, r.requester_id AS helped FROM request_helper h"
        "  JOIN request r ON r.id = h.request_id"
        "  WHERE r.guild_id = ? AND h.claimed_at >= ? AND h.claimed_at <= ?"
        "  AND h.helper_id IS NOT NULL AND r.requester_id IS NOT NULL AND h.helper_id != r.requester_id)"
        " SELECT COUNT(*) FROM (SELECT helper FROM claims INTERSECT SELECT helped FROM claims)",
        (guild_id, window.start, window.end),
    )


def _values(rows: list[tuple[object, ...]]) -> tuple[str, list[object]]:
    width = len(rows[0])
    marks = ", ".join("(" + ", ".join("?" * width) + ")" for _ in rows)
    return marks, [value for row in rows for value in row]


async def weekly_series(
    conn: aiosqlite.Connection, guild_id: str, buckets: list[Bucket]
) -> dict[str, dict[int, int]]:
    """Per bucket: active members, newcomers, requests opened and resolved (one pass per measure)."""
    if not buckets:
        return {}
    day_marks, day_params = _values([(day, b.index) for b in buckets for day in b.days])
    week_marks, week_params = _values([(b.index, b.lo, b.hi) for b in buckets])
    days_cte = f"days(day, bucket) AS (VALUES {day_marks})"
    weeks_cte = f"weeks(bucket, lo, hi) AS (VALUES {week_marks})"
    series: dict[str, dict[int, int]] = {}

    async def grouped(name: str, sql: str, params: list[object]) -> None:
        async with conn.execute(sql, params) as cur:
            series[name] = {int(row[0]): int(row[1]) for row in await cur.fetchall()}

    await grouped(
        "active_members",
        f"WITH {days_cte}, {weeks_cte} "
        "SELECT bucket, COUNT(DISTINCT member_id) FROM ("
        " SELECT d.bucket AS bucket, a.member_id AS member_id FROM days d"
        " JOIN activity_day a ON a.day = d.day JOIN member m ON m.id = a.member_id WHERE m.guild_id = ?"
        " UNION ALL"
        " SELECT w.bucket, m.id FROM weeks w JOIN member m"
        " ON m.guild_id = ? AND m.last_active_at >= w.lo AND m.last_active_at < w.hi"
        ") GROUP BY bucket",
        [*day_params, *week_params, guild_id, guild_id],
    )
    for name, table, column, extra in (
        ("newcomers", "member", "joined_at", ""),
        ("requests_opened", "request", "created_at", ""),
        ("requests_resolved", "request", "resolved_at", " AND t.status = 'resolved'"),
    ):
        await grouped(
            name,
            f"WITH {weeks_cte} SELECT w.bucket, COUNT(t.id) FROM weeks w JOIN {table} t"
            f" ON t.guild_id = ? AND t.{column} >= w.lo AND t.{column} < w.hi{extra} GROUP BY w.bucket",
            [*week_params, guild_id],
        )
    return series
