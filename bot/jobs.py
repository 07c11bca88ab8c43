"""What a job is: its period keys, its triggers and its body, one per community (`Scheduled`).

bot/scheduler.py runs them (each period once, restarts and catch-up included); the services declare
their jobs with these.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiosqlite
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.context import Community

JobBody = Callable[[aiosqlite.Connection, Community, datetime], Awaitable[None]]
Prepare = Callable[[aiosqlite.Connection, Sequence[Community], datetime], Awaitable[Sequence[JobBody | None]]]
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
    # The body reads and writes only through the transaction it is given: the runs of several communities
    # due at one time may then share one write transaction (Scheduler.run_jobs).
    shared_transaction: bool = False
    # With shared_transaction: what `body` reads, read for several communities in one go (a network's batch):
    # given the communities about to run in one transaction, a body for each (None: `body`) that writes
    # exactly what `body` would, run in that same transaction after its claim.
    prepare: Prepare | None = None

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
