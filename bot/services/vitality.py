"""Vitality: how alive the community is, for animators and whoever funds them.

Indicators steer by return on engagement, not message counts: who is active, whether newcomers
stay, whether help flows both ways and quickly, which needs nobody can meet yet. Everything is a
few SQL aggregates (storage/vitality.py); this module only sets the windows (calendar maths in
community time) and turns counts into shares. It returns data; the chart is drawn at the edge.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.clock import from_epoch
from bot.context import Community
from bot.errors import invalid
from bot.jobs import iso_week
from storage import vitality as vitality_repo
from storage.vitality import Bucket, Window

DEFAULT_DAYS = 30
MAX_DAYS = 365
RETENTION_DAYS = 30


@dataclass(frozen=True)
class WeekPoint:
    week: str          # ISO week, e.g. 2026-W48
    week_start: date   # its Monday, community time
    active_members: int
    newcomers: int
    requests_opened: int
    requests_resolved: int

    def as_data(self) -> dict[str, Any]:
        return {"week": self.week, "week_start": self.week_start.isoformat(), "active_members": self.active_members,
                "newcomers": self.newcomers, "requests_opened": self.requests_opened,
                "requests_resolved": self.requests_resolved}


@dataclass(frozen=True)
class Indicators:
    days: int
    active_members: int
    newcomers: int
    retention_30d: float | None
    requests_opened: int
    requests_resolved: int
    median_hours_to_first_helper: float | None
    unmet_skills: list[str]
    reciprocity: int
    godparent_coverage: float | None
    weekly: list[WeekPoint] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        """The `vitality` reply data: COMMANDS.md keys, then the extra indicators and the series."""
        return {
            "active_members": self.active_members, "newcomers": self.newcomers,
            "retention_30d": self.retention_30d, "requests_opened": self.requests_opened,
            "requests_resolved": self.requests_resolved,
            "median_hours_to_first_helper": self.median_hours_to_first_helper,
            "unmet_skills": list(self.unmet_skills),
            "reciprocity": self.reciprocity, "godparent_coverage": self.godparent_coverage,
            "days": self.days, "weekly": [point.as_data() for point in self.weekly],
        }


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def window_ending_now(ctx: Community, days: int) -> Window:
    """The last `days` days up to now; activity days count from the local date the window starts on."""
    now = ctx.now()
    start = now - timedelta(days=days)
    return Window(start=int(start.timestamp()), end=int(now.timestamp()),
                  start_day=ctx.local(start).date().isoformat(), end_day=ctx.local(now).date().isoformat())


def weekly_buckets(ctx: Community, window: Window) -> list[tuple[str, date, Bucket]]:
    """ISO weeks (Monday 00:00, community time) overlapping the window; the first and last are partial."""
    first_day = date.fromisoformat(window.start_day)
    last_day = date.fromisoformat(window.end_day)
    buckets: list[tuple[str, date, Bucket]] = []
    monday = first_day - timedelta(days=first_day.weekday())
    lo = window.start
    while monday <= last_day:
        next_monday = monday + timedelta(days=7)
        boundary = int(datetime.combine(next_monday, time(0), tzinfo=ctx.tz).timestamp())
        hi = min(boundary, window.end + 1)
        days = tuple(
            d.isoformat() for d in (monday + timedelta(days=i) for i in range(7)) if first_day <= d <= last_day
        )
        label = iso_week(datetime.combine(monday, time(12), tzinfo=ctx.tz))
        buckets.append((label, monday, Bucket(index=len(buckets), lo=lo, hi=hi, days=days)))
        lo = hi
        monday = next_monday
    return buckets


def check_days(days: int | None) -> int:
    if days is None:
        return DEFAULT_DAYS
    if not 1 <= days <= MAX_DAYS:
        raise invalid("vitality.detail.bad_days", max=MAX_DAYS)
    return days


async def compute_indicators(ctx: Community, days: int | None = DEFAULT_DAYS) -> Indicators:
    """Every indicator over the last `days` days (default 30, 1..365), from committed data."""
    days = check_days(days)
    conn, guild = ctx.db.reader, ctx.guild_id
    window = window_ending_now(ctx, days)
    recent = window_ending_now(ctx, RETENTION_DAYS)
    active = await vitality_repo.count_active(conn, guild, window)
    joined, with_godparent = await vitality_repo.newcomers(conn, guild, window)
    cohort, retained = await vitality_repo.cohort_retention(
        conn, guild, joined_from=recent.start - RETENTION_DAYS * 86400, joined_before=recent.start, recent=recent
    )
    waits = await vitality_repo.seconds_to_first_helper(conn, guild, window)
    buckets = weekly_buckets(ctx, window)
    series = await vitality_repo.weekly_series(conn, guild, [b for _, _, b in buckets])
    def point(name: str, bucket: Bucket) -> int:
        return series.get(name, {}).get(bucket.index, 0)

    started = await vitality_repo.community_start(conn, guild)
    first_monday = None
    if started is not None:
        first_day = from_epoch(started).astimezone(ctx.tz).date()
        first_monday = first_day - timedelta(days=first_day.weekday())
    weekly = [  # no weeks before the community existed: they would be drawn as zeros
        WeekPoint(week=label, week_start=monday, active_members=point("active_members", bucket),
                  newcomers=point("newcomers", bucket), requests_opened=point("requests_opened", bucket),
                  requests_resolved=point("requests_resolved", bucket))
        for label, monday, bucket in buckets if first_monday is not None and monday >= first_monday
    ]
    return Indicators(
        days=days,
        active_members=active,
        newcomers=joined,
        retention_30d=_share(retained, cohort),
        requests_opened=await vitality_repo.requests_opened(conn, guild, window),
        requests_resolved=await vitality_repo.requests_resolved(conn, guild, window),
        median_hours_to_first_helper=statistics.median(waits) / 3600 if waits else None,
        unmet_skills=await vitality_repo.unmet_skills(conn, guild, window),
        reciprocity=await vitality_repo.reciprocity(conn, guild, window),
        godparent_coverage=_share(with_godparent, joined),
        weekly=weekly,
    )


async def export_indicators(ctx: Community) -> dict[str, Any]:
    """For `entraide export`: the last 30 days at the top (same keys as `vitality`), and the last year."""
    month = await compute_indicators(ctx, DEFAULT_DAYS)
    year = await compute_indicators(ctx, MAX_DAYS)
    return {**month.as_data(), "last_365_days": year.as_data()}
