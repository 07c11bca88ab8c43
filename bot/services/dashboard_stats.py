"""What the dashboard shows, as data: vitality's indicators for the chosen period (the same figures
as the `vitality` command), the weekly series over a longer view, join-month cohorts, waits for a
first helper per week, who gives and receives help, and the split from observers to pillars.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time

from bot.context import Community
from bot.services import vitality
from bot.services.vitality import Indicators, WeekPoint
from storage import dashboard_stats as stats_repo
from storage.dashboard_stats import Span

PERIODS = (7, 30, 90, 365)
DEFAULT_PERIOD = 30
CHART_WEEKS = 12
COHORT_MONTHS = 6
ORBIT_DAYS = 90
PILLAR_CLAIMS = 3
ORBIT_GROUPS = ("observers", "participants", "contributors", "pillars")


@dataclass(frozen=True)
class Cohort:
    month: date          # first day of the join month
    joined: int
    retained: int

    @property
    def share(self) -> float | None:
        return self.retained / self.joined if self.joined else None


@dataclass(frozen=True)
class WeekWait:
    week_start: date
    helped: int
    median_hours: float | None


@dataclass(frozen=True)
class Overview:
    days: int
    indicators: Indicators            # == `vitality days:<days>`
    open_requests: int
    weeks: list[WeekPoint]            # the last CHART_WEEKS weeks
    waits: list[WeekWait]
    cohorts: list[Cohort]
    gave_only: int
    gave_and_got: int
    got_only: int
    orbit: dict[str, int]


def check_period(days: int | None) -> int:
    return days if days in PERIODS else DEFAULT_PERIOD


def _month_start(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def join_months(ctx: Community, months: int) -> list[tuple[date, Span]]:
    """The last `months` calendar months (community time), the current one last and partial."""
    today = ctx.local().date()
    spans = []
    for back in range(months - 1, -1, -1):
        first, after = _month_start(today, back), _month_start(today, back - 1)
        lo = int(datetime.combine(first, time(0), tzinfo=ctx.tz).timestamp())
        hi = min(int(datetime.combine(after, time(0), tzinfo=ctx.tz).timestamp()), ctx.now_ts() + 1)
        spans.append((first, Span(lo, hi)))
    return spans


async def overview(ctx: Community, days: int | None = DEFAULT_PERIOD) -> Overview:
    """Everything the page shows, from committed data."""
    days = check_period(days)
    conn, guild = ctx.db.reader, ctx.guild_id
    indicators = await vitality.compute_indicators(ctx, days)
    chart_days = CHART_WEEKS * 7 - 1
    weekly = (await vitality.compute_indicators(ctx, chart_days)).weekly if days != chart_days else indicators.weekly
    weeks = weekly[-CHART_WEEKS:]
    chart_window = vitality.window_ending_now(ctx, chart_days)
    buckets = vitality.weekly_buckets(ctx, chart_window)[-CHART_WEEKS:]
    waits_by_week: dict[int, list[int]] = {}
    for created, wait in await stats_repo.first_claim_waits(conn, guild, chart_window):
        for index, (_label, _monday, bucket) in enumerate(buckets):
            if bucket.lo <= created < bucket.hi:
                waits_by_week.setdefault(index, []).append(wait)
                break
    waits = [
        WeekWait(monday, len(waits_by_week.get(i, [])),
                 statistics.median(waits_by_week[i]) / 3600 if waits_by_week.get(i) else None)
        for i, (_label, monday, _bucket) in enumerate(buckets)
    ]
    months = join_months(ctx, COHORT_MONTHS)
    recent = vitality.window_ending_now(ctx, vitality.RETENTION_DAYS)
    counts = await stats_repo.cohorts(conn, guild, [span for _, span in months], recent)
    cohorts = [Cohort(first, joined, retained) for (first, _), (joined, retained) in zip(months, counts, strict=True)]
    gave_only, both, got_only = await stats_repo.help_split(conn, guild, vitality.window_ending_now(ctx, days))
    orbit = await stats_repo.participation(conn, guild, vitality.window_ending_now(ctx, ORBIT_DAYS), PILLAR_CLAIMS)
    return Overview(
        days=days, indicators=indicators, open_requests=await stats_repo.open_requests(conn, guild),
        weeks=weeks, waits=waits, cohorts=cohorts, gave_only=gave_only, gave_and_got=both, got_only=got_only,
        orbit=orbit,
    )
