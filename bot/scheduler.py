"""Jobs keyed by period: each run records `job:period` in the transaction that writes its messages.

APScheduler triggers compute due times; in production APScheduler is only the alarm clock, and
with the simulated clock `advance_to` walks the same triggers in time order. Both paths call
`run_job`, so a period runs at most once, restarts and catch-up included.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

import aiosqlite
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import to_epoch
from bot.context import Community
from bot.jobs import Job, JobBody, Scheduled
from bot.outbox import Dispatcher, fault_point
from storage import jobs as jobs_repo

log = logging.getLogger(__name__)

# Scheduler._run_many: a shared write transaction commits after this long (another process on the same
# SQLite file waits for its writes meanwhile; one community of 100,000 holds it about as long).
SHARED_TRANSACTION_SECONDS = 1.0

# Scheduler._run_shared: a job's `prepare` reads for this many communities at once (their bodies then
# run in that transaction, so it commits only after the last of them).
PREPARED_AT_ONCE = 100

class Scheduler:
    """Runs the registered jobs once per period (per community) and delivers what they wrote."""

    def __init__(
        self, ctx: Community, jobs: list[Job], dispatcher: Dispatcher,
        before_job: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.ctx, self.dispatcher = ctx, dispatcher
        self.before_job = before_job
        self.entries: list[Scheduled] = []
        self._by_job: dict[tuple[int, int], Scheduled] = {}  # (id(job), id(ctx)): run_job's lookup
        self.add(ctx, jobs, before_job)
        self.cursor: dict[str, datetime] = {}
        self._next_cache: dict[str, tuple[datetime, datetime | None]] = {}
        self._alarm: AsyncIOScheduler | None = None

    @property
    def jobs(self) -> list[Job]:
        return [entry.job for entry in self.entries]

    def add(self, ctx: Community, jobs: list[Job], before_job: Callable[[], Awaitable[None]] | None = None) -> None:
        """Another community's jobs (bot/runtime.py): same clock, same dispatcher, their own keys."""
        for job in jobs:
            entry = Scheduled(ctx, job, before_job)
            self.entries.append(entry)
            self._by_job.setdefault((id(job), id(ctx)), entry)

    @property
    def grace(self) -> timedelta:
        return timedelta(hours=self.ctx.config.schedule.catch_up_grace_hours)

    def _entry(self, job: Job, ctx: Community | None) -> Scheduled:
        ctx = ctx or self.ctx
        entry = self._by_job.get((id(job), id(ctx)))
        if entry is not None and entry.job is job and entry.ctx is ctx:
            return entry
        return Scheduled(ctx, job, self.before_job)

    async def run_job(self, job: Job, fire_time: datetime, ctx: Community | None = None) -> bool:
        """Run one period of a job (of `ctx`'s community, the first by default) unless it already ran;
        True when it ran now."""
        return await self._run(self._entry(job, ctx), fire_time)

    async def run_jobs(self, runs: Sequence[tuple[Community, Job]], fire_time: datetime) -> int:
        """One period of a job for several communities (a network's, due at one time): how many ran now.
        See _run_many."""
        return await self._run_many([self._entry(job, ctx) for ctx, job in runs], fire_time)

    async def _run_many(self, entries: Sequence[Scheduled], fire_time: datetime) -> int:
        """Run these entries' periods in order, as run_job each would, but in ONE write transaction when
        they allow it (`shared_transaction`, one SQLite file, keyed by
        job_run): a network's 300 communities would otherwise commit 300 times, each commit rewriting the
        index pages its members' rows share with every other community's (member ids interleave) and
        waiting for the disk. Each community's claim and work still commit together or not at all; a
        crash before a commit loses no period reported done (none is until it commits) and repeats
        nothing (no claim survived either). A community's body that fails is rolled back, the ones before
        it commit, and the error is raised after the commit: what run_job each would do (_run_shared).
        The transaction commits once SHARED_TRANSACTION_SECONDS have passed and the next goes on, so
        another process's writes on the file wait no longer than for one large community's job (or for
        the communities a job's `prepare` read for together: their bodies run in the transaction that read).
        PostgreSQL keeps one transaction per community: two processes claiming the same periods in
        different orders (bench_postgres) would wait on each other's held claims."""
        if not _can_share(entries):
            ran = 0
            for entry in entries:
                ran += await self._run(entry, fire_time)
            return ran
        for entry in entries:
            if entry.before_job is not None:
                await entry.before_job()
        pending, ran = list(entries), 0
        while pending:
            done, failure = await self._run_shared(pending, fire_time)
            for entry in done:
                log.info("job %s ran", entry.job.key(entry.ctx, fire_time))
                fault_point("job:after-commit")
                fault_point(f"job:{entry.job.name}:after-commit")
            ran += len(done)
            if failure is not None:
                raise failure
        return ran

    async def _run_shared(self, pending: list[Scheduled], fire_time: datetime
                          ) -> tuple[list[Scheduled], Exception | None]:
        """One transaction of _run_many: entries taken from `pending` until it is empty, one fails, or
        the time is up; those that ran, and the failure if any (raised once the others committed).

        Without a savepoint per community (two round trips each): when a body fails, the whole transaction
        is rolled back and the communities that ran in it run again, a savepoint each,
        then the failure is reported, so the outcome is still what run_job each would give."""
        try:
            return await self._run_in_transaction(pending, fire_time, savepoints=False)
        except _RolledBack as rolled_back:
            redo, done = rolled_back.done, []
            while redo:
                ran, failure = await self._run_in_transaction(redo, fire_time, savepoints=True)
                done += ran
                if failure is not None:
                    return done, failure
            return done, rolled_back.failure

    async def _run_in_transaction(self, pending: list[Scheduled], fire_time: datetime, savepoints: bool
                                  ) -> tuple[list[Scheduled], Exception | None]:
        """See _run_shared: `savepoints`, each community's claim and work in its own savepoint (a failure
        rolls back to it); else a failure rolls the transaction back (_RolledBack)."""
        done: list[Scheduled] = []
        prepared: dict[int, JobBody] = {}  # id(entry): the body its job's `prepare` gave, this transaction only
        covered: set[int] = set()  # id(entry) of those the last `prepare` was asked about
        started = time.monotonic()  # how long the write lock is held, not the community's time
        async with pending[0].ctx.db.transaction() as tx:
            while pending:  # at least one entry a transaction, whatever the time
                entry = pending[0]
                if entry.job.prepare is not None and id(entry) not in covered:
                    try:
                        covered, prepared = await _prepare(tx, pending, fire_time)
                    except Exception as exc:  # as if the first one's body failed: nothing of it ran
                        return done, exc
                pending.pop(0)
                job, ctx = entry.job, entry.ctx
                body = prepared.pop(id(entry), job.body)
                if savepoints:
                    await tx.execute("SAVEPOINT job_run")
                try:
                    if await jobs_repo.claim_run(tx, job.key(ctx, fire_time), entry.name, ctx.now_ts()):
                        await body(tx, ctx, fire_time)
                        fault_point("job:before-commit")  # crash injection: nothing of the batch commits
                        fault_point(f"job:{job.name}:before-commit")
                        done.append(entry)
                except Exception as exc:  # this community's work goes; the earlier ones commit, as one by one
                    if not savepoints:
                        raise _RolledBack(done, exc) from exc
                    await tx.execute("ROLLBACK TO job_run")
                    await tx.execute("RELEASE job_run")
                    return done, exc
                if savepoints:
                    await tx.execute("RELEASE job_run")
                if not prepared and time.monotonic() - started >= SHARED_TRANSACTION_SECONDS:
                    break
        return done, None

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
            now_due = [entry for t, _index, entry in sorted(due, key=lambda d: (d[0], d[1]))
                       if t == when and entry is not None]
            for group in batches(now_due):
                await self._run_many(group, when)
                for entry in group:
                    self.cursor[entry.name] = when
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
        for group in batches(self.entries, same_trigger=True):
            self._alarm.add_job(
                self._on_alarm, trigger=group[0].job.trigger, args=[group], id=group[0].name, coalesce=True,
                max_instances=1, misfire_grace_time=int(self.grace.total_seconds()) or None,
            )
        self._alarm.start()

    async def _on_alarm(self, group: list[Scheduled]) -> None:
        """One trigger's firing: the job of every community in the group (one, or a network's alike)."""
        now = self.ctx.now()
        try:
            for fire_time in group[0].job.fire_times_between(now - self.grace, now):
                await self._run_many(group, fire_time)
            await self.dispatcher.deliver_due()
        except Exception:
            log.exception("job %s failed at %s", group[0].name, to_epoch(now))

    def stop_alarm(self) -> None:
        if self._alarm is not None and self._alarm.running:
            self._alarm.shutdown(wait=False)


class _RolledBack(Exception):
    """A body failed in a shared transaction without savepoints: it was rolled back whole; `done` ran in it."""

    def __init__(self, done: list[Scheduled], failure: Exception) -> None:
        super().__init__(str(failure))
        self.done, self.failure = done, failure


async def _prepare(tx: aiosqlite.Connection, pending: Sequence[Scheduled], fire_time: datetime
                   ) -> tuple[set[int], dict[int, JobBody]]:
    """The next entries of one job (up to PREPARED_AT_ONCE), and the bodies `prepare` gives for those whose
    period is not taken yet (a run repeated after a restart reads nothing), by id(entry)."""
    prepare = pending[0].job.prepare
    assert prepare is not None
    chunk: list[Scheduled] = []
    for entry in pending[:PREPARED_AT_ONCE]:
        if entry.job.prepare is not prepare:
            break
        chunk.append(entry)
    covered = {id(entry) for entry in chunk}
    keys = [entry.job.key(entry.ctx, fire_time) for entry in chunk]
    done = await jobs_repo.taken(tx, keys)
    chunk = [entry for entry, key in zip(chunk, keys, strict=True) if key not in done]
    if not chunk:
        return covered, {}
    bodies = await prepare(tx, [entry.ctx for entry in chunk], fire_time)
    return covered, {id(entry): body for entry, body in zip(chunk, bodies, strict=True) if body is not None}


def _can_share(entries: Sequence[Scheduled]) -> bool:
    """Whether these runs may share one write transaction (see Scheduler._run_many)."""
    if len(entries) < 2:
        return False
    db = entries[0].ctx.db
    return getattr(db, "engine", None) == "sqlite" and all(
        e.job.shared_transaction and e.job.next_due is None and e.job.has_work is None and e.ctx.db is db
        for e in entries)


def batches(entries: Sequence[Scheduled], same_trigger: bool = False) -> list[list[Scheduled]]:
    """Entries grouped for _run_many: a `shared_transaction` job's entries of every community together
    (at the first one's place; `same_trigger`: only those firing alike, for the alarm clock), any other
    entry alone. Each community keeps its jobs' order (every community lists its jobs alike, collect_jobs)."""
    groups: list[list[Scheduled]] = []
    by_key: dict[tuple[str, str], list[Scheduled]] = {}
    for entry in entries:
        if not entry.job.shared_transaction:
            groups.append([entry])
            continue
        key = (entry.job.name, repr(entry.job.trigger) if same_trigger else "")
        if key not in by_key:
            by_key[key] = []
            groups.append(by_key[key])
        by_key[key].append(entry)
    return groups
