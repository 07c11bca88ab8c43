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
    """Members last seen in the window or with an activity day in it. A member's latest activity day
    (kept next to last_active_at in one index, migration 0097) settles it for nearly everyone: latest
    day in the window, yes; before it, no; only a latest day after the window needs a probe."""
    return await _scalar(
        conn,
        "SELECT COUNT(*) FROM member m INDEXED BY member_last_active_day WHERE m.guild_id = ? AND ("
        " (m.last_active_at >= ? AND m.last_active_at <= ?)"
        " OR (m.last_activity_day >= ? AND m.last_activity_day <= ?)"
        " OR (m.last_activity_day > ?"
        "     AND EXISTS (SELECT 1 FROM activity_day a WHERE a.member_id = m.id AND a.day >= ? AND a.day <= ?)))",
        (guild_id, window.start, window.end, window.start_day, window.end_day, window.end_day,
         window.start_day, window.end_day),
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
    """For requests created in the window that found a helper: seconds from creation to the first claim
    (materialized, so the first-claim subquery runs once per request, not once per use)."""
    async with conn.execute(
        "WITH waits AS MATERIALIZED ("
        " SELECT COALESCE((SELECT MIN(h.claimed_at) FROM request_helper h WHERE h.request_id = r.id), r.claimed_at)"
        "   - r.created_at AS wait"
        " FROM request r WHERE r.guild_id = ? AND r.created_at >= ? AND r.created_at <= ?"
        ") SELECT wait FROM waits WHERE wait IS NOT NULL ORDER BY wait",
        (guild_id, window.start, window.end),
    ) as cur:
        return [max(0, int(row[0])) for row in await cur.fetchall()]


async def unmet_skills(conn: aiosqlite.Connection, guild_id: str, window: Window) -> list[str]:
    """Skills asked for in the window (spam-closed requests aside) that no present, active,
    available member offers. The few skills nobody can offer are found first (one early-stopping
    probe per skill), then only their requests are looked at, never every request of the window."""
    async with conn.execute(
        "WITH unmet AS MATERIALIZED (SELECT s.id, s.key, s.display FROM skill s WHERE s.guild_id = ?"
        "  AND NOT EXISTS (SELECT 1 FROM member_skill ms JOIN member m ON m.id = ms.member_id"
        "  WHERE ms.skill_id = s.id AND ms.kind = 'offer' AND m.left_at IS NULL AND m.active = 1"
        "  AND m.available = 1 AND m.erased = 0))"
        " SELECT u.display FROM unmet u WHERE EXISTS ("
        "  SELECT 1 FROM request_skill rs CROSS JOIN request r ON r.id = rs.request_id WHERE rs.skill_id = u.id"
        "  AND r.guild_id = ? AND r.created_at >= ? AND r.created_at <= ? AND r.status != 'closed')"
        " ORDER BY u.key",
        (guild_id, guild_id, window.start, window.end),
    ) as cur:
        return [str(row[0]) for row in await cur.fetchall()]


async def reciprocity(conn: aiosqlite.Connection, guild_id: str, window: Window) -> int:
    """Members who, in the window, both helped someone (claimed a request) and were helped."""
    return await _scalar(
        conn,
        "WITH claims AS ("
        "  SELECT h.helper_id AS helper, r.requester_id AS helped FROM request_helper h"
        "  CROSS JOIN request r ON r.id = h.request_id"  # driven by the claims of the window, not every request
        "  WHERE r.guild_id = ? AND h.claimed_at >= ? AND h.claimed_at <= ?"
        "  AND h.helper_id IS NOT NULL AND r.requester_id IS NOT NULL AND h.helper_id != r.requester_id)"
        " SELECT COUNT(*) FROM (SELECT helper FROM claims INTERSECT SELECT helped FROM claims)",
        (guild_id, window.start, window.end),
    )


def _values(rows: list[tuple[object, ...]]) -> tuple[str, list[object]]:
    width = len(rows[0])
    marks = ", ".join("(" + ", ".join("?" * width) + ")" for _ in rows)
    return marks, [value for row in rows for value in row]


async def only_guild(conn: aiosqlite.Connection, guild_id: str) -> bool:
    """Whether every member row belongs to this guild (two index lookups), so activity rows need no
    join to `member` to check their guild (foreign keys are on: every activity row has its member)."""
    async with conn.execute(
        "SELECT (SELECT MIN(guild_id) FROM member), (SELECT MAX(guild_id) FROM member)"
    ) as cur:
        row = await cur.fetchone()
    return row is None or row[0] is None or (row[0] == guild_id and row[1] == guild_id)


async def weekly_active(conn: aiosqlite.Connection, guild_id: str, buckets: list[Bucket]) -> dict[int, int]:
    """Per bucket: members with an activity day among its days, or last seen within [lo, hi).

    A bucket covering a whole Monday-to-Sunday week reads its distinct active members from
    `activity_week` (kept by triggers, migration 0095), one row instead of every activity row of the
    week; the partial weeks at the window's edges (at most six days each) are counted from
    `activity_day` over the (day, member_id) index. Members last seen in a bucket without an
    activity day in it are added; their latest activity day (migration 0097) settles it without a
    probe unless it lies after the bucket.
    """
    counts = {b.index: 0 for b in buckets}
    whole = {b.days[0]: b.index for b in buckets if len(b.days) == 7}
    if whole:
        async with conn.execute(
            "SELECT week_start, members FROM activity_week WHERE guild_id = ? AND week_start >= ? AND week_start <= ?",
            (guild_id, min(whole), max(whole)),
        ) as cur:
            for week_start, members in await cur.fetchall():
                if week_start in whole:
                    counts[whole[week_start]] = int(members)
    partial = [b for b in buckets if b.days and len(b.days) < 7]
    if partial:
        alone = await only_guild(conn, guild_id)
        for b in partial:
            marks = ", ".join("?" * len(b.days))
            if alone:
                sql = f"SELECT COUNT(DISTINCT member_id) FROM activity_day WHERE day IN ({marks})"
                params: tuple[object, ...] = b.days
            else:
                sql = (f"SELECT COUNT(DISTINCT a.member_id) FROM activity_day a JOIN member m ON m.id = a.member_id"
                       f" WHERE a.day IN ({marks}) AND m.guild_id = ?")
                params = (*b.days, guild_id)
            counts[b.index] = await _scalar(conn, sql, params)
    spans = [(b.index, b.lo, b.hi, b.days[0] if b.days else "", b.days[-1] if b.days else "") for b in buckets]
    marks, params_ = _values(spans)
    async with conn.execute(
        f"WITH weeks(bucket, lo, hi, first_day, last_day) AS (VALUES {marks})"
        " SELECT w.bucket, COUNT(*) FROM weeks w JOIN member m INDEXED BY member_last_active_day"
        "  ON m.guild_id = ? AND m.last_active_at >= w.lo AND m.last_active_at < w.hi"
        " WHERE NOT COALESCE(m.last_activity_day >= w.first_day AND m.last_activity_day <= w.last_day"
        "                    AND date(m.last_activity_day) = m.last_activity_day, FALSE)"
        " AND (m.last_activity_day IS NULL OR m.last_activity_day < w.first_day"
        "      OR NOT EXISTS (SELECT 1 FROM activity_day a WHERE a.member_id = m.id"
        "      AND a.day >= w.first_day AND a.day <= w.last_day AND date(a.day) = a.day))"
        " GROUP BY w.bucket",
        [*params_, guild_id],
    ) as cur:
        for bucket, extra in await cur.fetchall():
            counts[int(bucket)] += int(extra)
    return counts


async def weekly_series(
    conn: aiosqlite.Connection, guild_id: str, buckets: list[Bucket]
) -> dict[str, dict[int, int]]:
    """Per bucket: active members, newcomers, requests opened and resolved (one pass per measure)."""
    if not buckets:
        return {}
    week_marks, week_params = _values([(b.index, b.lo, b.hi) for b in buckets])
    weeks_cte = f"weeks(bucket, lo, hi) AS (VALUES {week_marks})"
    series: dict[str, dict[int, int]] = {"active_members": await weekly_active(conn, guild_id, buckets)}

    async def grouped(name: str, sql: str, params: list[object]) -> None:
        async with conn.execute(sql, params) as cur:
            series[name] = {int(row[0]): int(row[1]) for row in await cur.fetchall()}

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


async def community_start(conn: aiosqlite.Connection, guild_id: str) -> int | None:
    """When the first member joined (member_joined index): the charts start there, not with empty weeks."""
    async with conn.execute("SELECT MIN(joined_at) FROM member WHERE guild_id = ?", (guild_id,)) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row and row[0] is not None else None
