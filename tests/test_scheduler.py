"""Jobs: one run per period, time order under the simulated clock, catch-up within the grace window."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import aiosqlite

from bot.clock import SimulatedClock
from bot.config import Config
from bot.context import Community
from bot.i18n import Translator
from bot.jobs import Job, cron, period_day, period_week
from bot.outbox import Dispatcher, Outgoing, post
from bot.scheduler import Scheduler
from storage import jobs as jobs_repo
from storage.database import open_database


class Recorder:
    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def deliver(self, message: Outgoing) -> None:
        self.sent.append(message)


def weekly_job(tz: str) -> Job:
    async def body(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime) -> None:
        await post(tx, ctx, "general", "weekly-digest", f"digest {fire_time.isoformat()}")

    return Job("test-weekly", cron(tz, day_of_week="mon", hour=10, minute=0), period_week, body)


def daily_job(tz: str) -> Job:
    async def body(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime) -> None:
        await post(tx, ctx, "general", "checkin", f"daily {fire_time.isoformat()}")

    return Job("test-daily", cron(tz, hour=9, minute=0), period_day, body)


async def open_scheduler(db_path: Path, start: str, recorder: Recorder) -> Scheduler:
    db = await open_database(db_path)
    clock = SimulatedClock(datetime.fromisoformat(start))
    ctx = Community(db, clock, Config(), Translator(), "g")
    tz = ctx.config.community.timezone
    return Scheduler(ctx, [weekly_job(tz), daily_job(tz)], Dispatcher(db, clock, recorder, ctx.config.delivery))


def kinds(recorder: Recorder, kind: str) -> list[str]:
    return [m.payload["text"] for m in recorder.sent if m.kind == kind]


async def test_advance_runs_each_due_period_once_in_time_order(tmp_path: Path) -> None:
    rec = Recorder()
    s = await open_scheduler(tmp_path / "s.sqlite", "2026-12-01T09:00:00+01:00", rec)
    try:
        await s.catch_up()
        await s.advance_to(datetime.fromisoformat("2026-12-15T12:00:00+01:00"))
        assert kinds(rec, "weekly-digest") == ["digest 2026-12-07T10:00:00+01:00", "digest 2026-12-14T10:00:00+01:00"]
        assert len(kinds(rec, "checkin")) == 15  # the 1st at 09:00 ran at start-up, then 2nd…15th
        order = [m.kind for m in rec.sent]
        assert order.index("weekly-digest") == 7  # after the dailies of the 1st…7th (Monday 09:00 before 10:00)
        assert await jobs_repo.runs_of(s.ctx.db.reader, "test-weekly") == [
            "test-weekly:2026-W50", "test-weekly:2026-W51"]
    finally:
        await s.ctx.db.close()


async def test_a_restart_in_the_same_period_runs_nothing_again(tmp_path: Path) -> None:
    rec = Recorder()
    db = tmp_path / "s.sqlite"
    s = await open_scheduler(db, "2026-12-07T09:30:00+01:00", rec)
    await s.catch_up()
    await s.advance_to(datetime.fromisoformat("2026-12-07T10:30:00+01:00"))
    await s.ctx.db.close()
    assert len(kinds(rec, "weekly-digest")) == 1

    rec2 = Recorder()
    s = await open_scheduler(db, "2026-12-07T10:31:00+01:00", rec2)
    try:
        await s.catch_up()
        await s.advance_to(datetime.fromisoformat("2026-12-07T23:00:00+01:00"))
        assert kinds(rec2, "weekly-digest") == []
        assert kinds(rec2, "checkin") == []  # today's daily already ran
    finally:
        await s.ctx.db.close()


async def test_start_up_catches_up_a_period_missed_within_the_grace_window(tmp_path: Path) -> None:
    rec = Recorder()
    s = await open_scheduler(tmp_path / "s.sqlite", "2026-12-07T13:00:00+01:00", rec)  # 3 h after Monday 10:00
    try:
        await s.catch_up()
        assert kinds(rec, "weekly-digest") == ["digest 2026-12-07T10:00:00+01:00"]
    finally:
        await s.ctx.db.close()


async def test_a_period_missed_beyond_the_grace_window_is_skipped_not_posted_late(tmp_path: Path) -> None:
    rec = Recorder()
    s = await open_scheduler(tmp_path / "s.sqlite", "2026-12-07T17:00:00+01:00", rec)  # 7 h late
    try:
        await s.catch_up()
        assert kinds(rec, "weekly-digest") == []
        await s.advance_to(datetime.fromisoformat("2026-12-14T10:00:00+01:00"))
        assert kinds(rec, "weekly-digest") == ["digest 2026-12-14T10:00:00+01:00"]
    finally:
        await s.ctx.db.close()


async def test_a_failing_job_records_no_run_and_sends_nothing(tmp_path: Path) -> None:
    rec = Recorder()
    s = await open_scheduler(tmp_path / "s.sqlite", "2026-12-07T09:59:00+01:00", rec)

    async def broken(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime) -> None:
        await post(tx, ctx, "general", "weekly-digest", "half")
        raise RuntimeError("bug")

    job = Job("broken", cron("Europe/Paris", minute=0), period_day, broken)
    try:
        try:
            await s.run_job(job, s.ctx.now() + timedelta(minutes=1))
        except RuntimeError:
            pass
        await s.dispatcher.deliver_due()
        assert rec.sent == []
        assert await jobs_repo.runs_of(s.ctx.db.reader, "broken") == []
    finally:
        await s.ctx.db.close()


async def test_dst_change_keeps_local_times(tmp_path: Path) -> None:
    rec = Recorder()
    s = await open_scheduler(tmp_path / "s.sqlite", "2027-03-20T12:00:00+01:00", rec)
    try:
        await s.catch_up()
        await s.advance_to(datetime.fromisoformat("2027-04-06T12:00:00+02:00"))
        assert kinds(rec, "weekly-digest") == [
            "digest 2027-03-22T10:00:00+01:00", "digest 2027-03-29T10:00:00+02:00", "digest 2027-04-05T10:00:00+02:00"]
    finally:
        await s.ctx.db.close()


async def test_a_job_with_nothing_to_do_skips_its_transaction(tmp_path: Path) -> None:
    rec = Recorder()
    s = await open_scheduler(tmp_path / "s.sqlite", "2026-12-01T09:00:00+01:00", rec)
    bodies: list[datetime] = []
    work = {"pending": False}

    async def body(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime) -> None:
        bodies.append(fire_time)

    async def has_work(ctx: Community, fire_time: datetime) -> bool:
        return work["pending"]

    hourly = Job("test-hourly", cron("Europe/Paris", minute=0), period_day, body, has_work=has_work)
    s.add(s.ctx, [hourly])
    try:
        await s.catch_up()
        await s.advance_to(datetime.fromisoformat("2026-12-01T12:30:00+01:00"))
        assert bodies == [] and await jobs_repo.runs_of(s.ctx.db.reader, "test-hourly") == []
        work["pending"] = True
        await s.advance_to(datetime.fromisoformat("2026-12-01T13:30:00+01:00"))
        assert [t.hour for t in bodies] == [13]  # the 13:00 period, the first one after work appeared
    finally:
        await s.ctx.db.close()


async def test_catch_up_runs_a_state_driven_job_once_for_its_latest_missed_period(tmp_path: Path) -> None:
    rec = Recorder()
    s = await open_scheduler(tmp_path / "s.sqlite", "2026-12-01T14:30:00+01:00", rec)  # 5 hourly runs missed
    bodies: list[datetime] = []

    async def body(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime) -> None:
        bodies.append(fire_time)

    async def has_work(ctx: Community, fire_time: datetime) -> bool:
        return True

    s.add(s.ctx, [Job("test-hourly", cron("Europe/Paris", minute=0), period_day, body, has_work=has_work)])
    try:
        await s.catch_up()
        assert [t.hour for t in bodies] == [14]
    finally:
        await s.ctx.db.close()
