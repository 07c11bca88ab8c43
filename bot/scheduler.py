"""Jobs keyed by period: each run records `job:period` in the transaction that writes its messages.

APScheduler triggers compute due times; in production APScheduler is only the alarm clock, and
with the simulated clock `advance_to` walks the same triggers in time order. Both paths call
`run_job`, so a period runs at most once, restarts and catch-up included.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiosqlite
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.clock import to_epoch
from bot.context import Community
from bot.outbox import Dispatcher, fault_point
from storage import jobs as jobs_repo

log = logging.getLogger(__name__)

JobBody = Callable[[aiosqlite.Connection, Community, datetime], Awaitable[None]]
NextDue = Callable[[Community, datetime], Awaitable[datetime | None]]


def iso_week(local: datetime) -> str:
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def period_week(local: datetime) -> str:
    return iso_week(local)


def period_day(local: datetime) -> str:
    return local.strftime("%Y-%m-%d")


def period_hour(local: datetime) -> str:
    return local.strftime("%Y-%m-%dT%H")


def period_month(local: datetime) -> str:
    return local.strftime("%Y-%m")


def period_instant(local: datetime) -> str:
    return local.strftime("%Y-%m-%dT%H:%M:%S")


@dataclass(frozen=True)
class Job:
    """A scheduled job: when it fires, which period a firing belongs to, and what it does."""

    name: str
    trigger: BaseTrigger
    period: Callable[[datetime], str]
    body: JobBody
    next_due: NextDue | None = None  # for jobs whose due times live in our tables (reminders)
    # A cheap read for state-driven jobs (escalation): when it says there is nothing to do, the
    # period is skipped without a write transaction, so a quiet hour costs one SELECT.
    has_work: Callable[[Community, datetime], Awaitable[bool]] | None = None

    def key(self, ctx: Community, fire_time: datetime) -> str:
        """`name:period`, in the community's time; `<id>/name:period` in a network (ctx.key_prefix)."""
        return f"{ctx.key_prefix}{self.name}:{self.period(fire_time.astimezone(ctx.tz))}"

    async def next_fire(self, ctx: Community, after: datetime) -> datetime | None:
        """The first due time strictly after `after`."""
        if self.next_due is not None:
            return await self.next_due(ctx, after)
        return trigger_time_after(self.trigger, after)

    def fire_times_between(self, start: datetime, end: datetime) -> list[datetime]:
        """Trigger times in [start, end] (for catch-up); dynamic jobs answer with `end` alone."""
        if self.next_due is not None:
            return [end]
        times = []
        t = self.trigger.get_next_fire_time(None, start)
        while t is not None and t <= end:
            times.append(t)
            t = trigger_time_after(self.trigger, t)
        return times


def trigger_time_after(trigger: BaseTrigger, after: datetime) -> datetime | None:
    """The trigger's first time strictly after `after`.

    APScheduler 3's CronTrigger can answer a time that is not later at a daylight-saving fall-back
    (an hourly job at 02:00+01:00 keeps answering 02:00+01:00); probe further until time moves on.
    """
    after = after.astimezone(UTC)  # local wall-time arithmetic would drop the fold and step back an hour
    step = timedelta(microseconds=1)
    while step < timedelta(days=2):
        t = trigger.get_next_fire_time(None, after + step)
        # Compare instants: datetimes sharing one tzinfo compare by wall time, which repeats at fall-back.
        if t is None or t.timestamp() > after.timestamp():
            return t
        # Minute by minute through the repeated hour (so 03:00+01:00 is not skipped), then faster.
        if step < timedelta(minutes=1):
            step = timedelta(minutes=1)
        else:
            step = step + timedelta(minutes=1) if step < timedelta(hours=3) else step * 2
    return None


def cron(ctx_tz: str, **fields: object) -> CronTrigger:
    return CronTrigger(timezone=ctx_tz, **fields)


@dataclass(frozen=True)
class Scheduled:
    """One community's job (a network schedules every community's jobs on one clock)."""

    ctx: Community
    job: Job
    before_job: Callable[[], Awaitable[None]] | None = None

    @property
    def name(self) -> str:
        """The job as its runs are recorded: `weekly-digest` alone, `lilas/weekly-digest` in a network."""
        return f"{self.ctx.key_prefix}{self.job.name}"


class Scheduler:
    """Runs the registered jobs once per period (per community) and delivers what they wrote."""

    def __init__(
        self, ctx: Community, jobs: list[Job], dispatcher: Dispatcher,
        before_job: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.ctx, self.dispatcher = ctx, dispatcher
        self.before_job = before_job
        self.entries: list[Scheduled] = [Scheduled(ctx, job, before_job) for job in jobs]
        self.cursor: dict[str, datetime] = {}
        self._next_cache: dict[str, tuple[datetime, datetime | None]] = {}
        self._alarm: AsyncIOScheduler | None = None

    @property
    def jobs(self) -> list[Job]:
        return [entry.job for entry in self.entries]

    def add(self, ctx: Community, jobs: list[Job], before_job: Callable[[], Awaitable[None]] | None = None) -> None:
        """Another community's jobs (bot/runtime.py): same clock, same dispatcher, their own keys."""
        self.entries.extend(Scheduled(ctx, job, before_job) for job in jobs)

    @property
    def grace(self) -> timedelta:
        return timedelta(hours=self.ctx.config.schedule.catch_up_grace_hours)

    def _entry(self, job: Job, ctx: Community | None) -> Scheduled:
        ctx = ctx or self.ctx
        for entry in self.entries:
            if entry.job is job and entry.ctx is ctx:
                return entry
        return Scheduled(ctx, job, self.before_job)

    async def run_job(self, job: Job, fire_time: datetime, ctx: Community | None = None) -> bool:
        """Run one period of a job (of `ctx`'s community, the first by default) unless it already ran;
        True when it ran now."""
        return await self._run(self._entry(job, ctx), fire_time)

    async def _run(self, entry: Scheduled, fire_time: datetime) -> bool:
        job, ctx = entry.job, entry.ctx
        key = job.key(ctx, fire_time)
        if job.has_work is not None and not await job.has_work(ctx, fire_time):
            return False
        if entry.before_job is not None:
            await entry.before_job()
        async with ctx.db.transaction() as tx:
            if job.next_due is None and not await jobs_repo.claim_run(tx, key, entry.name, ctx.now_ts()):
                return False
            # A job whose due times live in our tables (reminders) is idempotent by those rows.
            await job.body(tx, ctx, fire_time)
            fault_point("job:before-commit")  # crash injection: a job killed mid-way commits nothing
            fault_point(f"job:{job.name}:before-commit")
        log.info("job %s ran", key)
        fault_point("job:after-commit")
        fault_point(f"job:{job.name}:after-commit")
        return True

    async def catch_up(self) -> None:
        """At start-up: run periods missed while down within the grace window; skip and log older ones."""
        now = self.ctx.now()
        for entry in self.entries:
            job, ctx = entry.job, entry.ctx
            start = now - timedelta(hours=ctx.config.schedule.catch_up_grace_hours)
            if job.next_due is None and await jobs_repo.has_any_run(ctx.db.reader, entry.name):
                last_missed = self._last_fire_before(job, start)
                if last_missed is not None and not await self._ran(entry, last_missed):
                    log.warning("job %s missed beyond the catch-up window; skipped", job.key(ctx, last_missed))
            missed = job.fire_times_between(start, now)
            if job.has_work is not None:
                missed = missed[-1:]  # a state-driven job's latest run covers every earlier one
            for fire_time in missed:
                await self._run(entry, fire_time)
            self.cursor[entry.name] = now
        await self.dispatcher.deliver_due()

    @staticmethod
    def _last_fire_before(job: Job, start: datetime) -> datetime | None:
        """The latest due time before the grace window (only to log a skipped period), looking back a little."""
        for lookback in (timedelta(hours=2), timedelta(days=2), timedelta(days=40)):
            t = job.trigger.get_next_fire_time(None, start - lookback)
            last = None
            for _ in range(200):
                if t is None or t >= start:
                    break
                last = t
                t = job.trigger.get_next_fire_time(None, t + timedelta(microseconds=1))
            else:
                return last  # a very frequent job: the last one seen is recent enough to report
            if last is not None:
                return last
        return None

    async def _ran(self, entry: Scheduled, fire_time: datetime) -> bool:
        return await jobs_repo.has_run(entry.ctx.db.reader, entry.job.key(entry.ctx, fire_time))

    async def _next_fire(self, entry: Scheduled, after: datetime) -> datetime | None:
        """A trigger's next time, cached per cursor (dynamic jobs ask their tables every time)."""
        # In UTC: two local times sharing a tzinfo compare by wall time, equal across a fall-back.
        after = after.astimezone(UTC)
        if entry.job.next_due is not None:
            return await entry.job.next_fire(entry.ctx, after)
        cached = self._next_cache.get(entry.name)
        if cached is None or cached[0] != after:
            cached = (after, await entry.job.next_fire(entry.ctx, after))
            self._next_cache[entry.name] = cached
        return cached[1]

    async def advance_to(self, target: datetime, after_step: Callable[[], Awaitable[None]] | None = None) -> None:
        """Simulated time: run every job and delivery due up to `target`, in time order."""
        clock = self.ctx.clock
        while True:
            now = clock.now()
            due: list[tuple[datetime, int, Scheduled | None]] = []
            for index, entry in enumerate(self.entries):
                t = await self._next_fire(entry, self.cursor.get(entry.name, now))
                if t is not None:
                    due.append((max(t, now), index, entry))
            wake = await self.dispatcher.next_wakeup()
            if wake is not None:
                due.append((wake, len(self.entries), None))
            due = [d for d in due if d[0] <= target]
            if not due:
                break
            when = min(d[0] for d in due)
            clock.set(when)  # type: ignore[attr-defined]
            for t, _index, entry in sorted(due, key=lambda d: (d[0], d[1])):
                if t == when and entry is not None:
                    await self._run(entry, t)
                    self.cursor[entry.name] = t
            await self.dispatcher.deliver_due()
            if after_step is not None:
                await after_step()
        clock.set(target)  # type: ignore[attr-defined]
        for entry in self.entries:
            self.cursor[entry.name] = max(self.cursor.get(entry.name, target), target)
        await self.dispatcher.deliver_due()

    def start_alarm(self) -> None:
        """Production: APScheduler wakes us at each trigger; the run itself is ours (idempotent)."""
        self._alarm = AsyncIOScheduler(timezone=self.ctx.tz)
        for entry in self.entries:
            self._alarm.add_job(
                self._on_alarm, trigger=entry.job.trigger, args=[entry], id=entry.name, coalesce=True,
                max_instances=1, misfire_grace_time=int(self.grace.total_seconds()) or None,
            )
        self._alarm.start()

    async def _on_alarm(self, entry: Scheduled) -> None:
        now = self.ctx.now()
        try:
            for fire_time in entry.job.fire_times_between(now - self.grace, now):
                await self._run(entry, fire_time)
            await self.dispatcher.deliver_due()
        except Exception:
            log.exception("job %s failed at %s", entry.name, to_epoch(now))

    def stop_alarm(self) -> None:
        if self._alarm is not None and self._alarm.running:
            self._alarm.shutdown(wait=False)
