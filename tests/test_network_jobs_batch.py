"""A network's weekly jobs run together (Scheduler.run_jobs: one write transaction, a savepoint per
community) write exactly what each community's own run_job writes: the same outbox rows (ids, keys,
recipients, texts), the same nudges, check-ins, godparents and job runs; a community whose job fails
keeps the run_job-one-by-one outcome (those before it commit, it and those after do not run)."""
from __future__ import annotations

import asyncio
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from benchmarks.bench_network import run_network_jobs, split
from benchmarks.generate import Spec, generate
from bot import scheduler as scheduler_module
from bot.jobs import Job, period_week
from bot.scheduler import Scheduler
from tests.harness import Sim
from tests.network_places import network, place

pytestmark = pytest.mark.sqlite_only(
    "the shared transaction is SQLite's path (one writer, a commit per community rewrote shared pages); "
    "on PostgreSQL run_jobs is run_job for each community, unchanged")

COMMUNITIES = 7
TABLES = {
    "outbox": "SELECT id, guild_id, kind, op, target, payload, paced, not_before, key, created_at, status "
              "FROM outbox ORDER BY id",
    "outbox_subject": "SELECT member_id, outbox_id FROM outbox_subject ORDER BY outbox_id, member_id",
    "nudge": "SELECT id, member_id, week, reason, subject_id, at FROM nudge ORDER BY id",
    "checkin": "SELECT * FROM checkin ORDER BY 1",
    "job_run": "SELECT key, job, ran_at FROM job_run ORDER BY key",
    "member": "SELECT id, godparent_id, godparent_since, last_godchild_at FROM member ORDER BY id",
    "onboarding_state": "SELECT * FROM onboarding_state ORDER BY 1",
}


def _rows(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        return {table: conn.execute(sql).fetchall() for table, sql in TABLES.items()}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def generated_network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated community of 1,400 members split into 7 places, as the network benchmark does."""
    folder = tmp_path_factory.mktemp("network")
    generate(folder / "one.sqlite", Spec(1400, open_requests=140, seed=11))
    split(folder / "one.sqlite", folder / "network.sqlite", COMMUNITIES)
    return folder / "network.sqlite"


@pytest.fixture(autouse=True)
def _files_stay_files(monkeypatch: pytest.MonkeyPatch) -> None:
    import storage.database

    monkeypatch.setattr(storage.database, "path_to_url", None)


def _run(source: Path, target: Path, one_by_one: bool) -> dict[str, list[tuple]]:
    shutil.copyfile(source, target)
    report = asyncio.run(run_network_jobs(target, COMMUNITIES, one_by_one=one_by_one))
    assert all(job["communities_ran"] == COMMUNITIES for job in report["jobs"].values()), report
    return _rows(target)


@pytest.mark.parametrize("commit_after", [60.0, 0.0])  # one transaction; a commit after each community
def test_jobs_run_together_write_what_each_communitys_own_run_writes(
    generated_network: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, commit_after: float,
) -> None:
    monkeypatch.setattr(scheduler_module, "SHARED_TRANSACTION_SECONDS", commit_after)
    together = _run(generated_network, tmp_path / "together.sqlite", one_by_one=False)
    alone = _run(generated_network, tmp_path / "alone.sqlite", one_by_one=True)
    before = _rows(generated_network)
    for table in TABLES:
        assert together[table] == alone[table], table
    written = {table: len(together[table]) - len(before[table]) for table in ("outbox", "nudge", "job_run")}
    assert written["job_run"] == 3 * COMMUNITIES
    assert written["nudge"] > 100 and written["outbox"] > written["nudge"]  # nudges, check-ins, digests
    guilds = {row[1] for row in together["outbox"][len(before["outbox"]):]}
    assert guilds == {f"c{i:03d}" for i in range(COMMUNITIES)}
    # Run again, together: every period is taken, nothing is written twice.
    again = tmp_path / "together.sqlite"
    report = asyncio.run(run_network_jobs(again, COMMUNITIES))
    assert all(job["communities_ran"] == 0 for job in report["jobs"].values())
    assert _rows(again) == together


def test_a_member_meets_only_their_own_communitys_requests_when_read_together(
    generated_network: Path, tmp_path: Path,
) -> None:
    """The nudges of a batch are read in one statement (storage.engagement.nudge_targets_of) where each
    community's open requests sit beside the others': a member offering a skill of another community
    (the bot never records one; the rules must not depend on it) is nudged as when read alone, whether
    their first request is found at once or walked to (their own community's all nudged about before)."""
    source = tmp_path / "crossed.sqlite"
    shutil.copyfile(generated_network, source)
    conn = sqlite3.connect(source)
    try:
        # The skill of c001 with the most open requests, offered by the members of c000 and c002 beside their own.
        skill = conn.execute(
            "SELECT rs.skill_id FROM request_skill rs JOIN request r ON r.id = rs.request_id "
            "WHERE r.guild_id = 'c001' AND r.status = 'open' GROUP BY rs.skill_id ORDER BY COUNT(*) DESC, 1 "
            "LIMIT 1").fetchone()[0]
        members = [row[0] for row in conn.execute(
            "SELECT id FROM member WHERE guild_id IN ('c000', 'c002') AND available = 1 ORDER BY id")]
        conn.executemany("INSERT OR IGNORE INTO member_skill (member_id, skill_id, kind) VALUES (?, ?, 'offer')",
                         [(member, skill) for member in members])
        # c002's members were nudged about every open request of c002 (long ago): none is theirs to take.
        conn.execute("INSERT OR IGNORE INTO nudge (member_id, week, reason, subject_id, at) "
                     "SELECT m.id, 'old-' || r.id, 'request', r.id, 0 FROM member m JOIN request r "
                     "ON r.guild_id = m.guild_id AND r.status = 'open' WHERE m.guild_id = 'c002'")
        conn.commit()
    finally:
        conn.close()
    together = _run(source, tmp_path / "together.sqlite", one_by_one=False)
    alone = _run(source, tmp_path / "alone.sqlite", one_by_one=True)
    assert together == alone
    week = together["nudge"][-1][2]
    about = {row[4] for row in together["nudge"] if row[1] in set(members) and row[2] == week and row[3] == "request"}
    with sqlite3.connect(source) as conn:
        theirs = {row[0] for row in conn.execute("SELECT id FROM request WHERE guild_id = 'c000'")}
    assert about and about <= theirs  # c000's own requests only; c002's none, and never c001's


async def test_a_jobs_prepare_reads_once_for_the_batch_in_the_transaction_of_its_bodies(sim: Sim) -> None:
    """Job.prepare: asked once for the communities about to run (not for those whose period is taken),
    its bodies run instead of `body` after each claim, in the same transaction; one failing leaves the
    earlier ones committed, as one by one."""
    others = [place(sim, f"p{i}", f"Lieu {i}") for i in range(3)]
    network(sim, *others)
    contexts = [sim.ctx, *others]
    asked: list[list[str]] = []
    fail = {"p1"}

    async def body(tx: object, ctx: object, fire_time: datetime) -> None:
        raise AssertionError("the prepared body runs instead")

    async def prepare(tx: object, batch: list, fire_time: datetime) -> list:
        asked.append([ctx.guild_id for ctx in batch])
        read = await tx.execute_fetchall("SELECT COUNT(*) FROM settings WHERE key = 'prepared.test'")  # type: ignore[attr-defined]

        def made(ctx: object) -> object:
            async def prepared(tx: object, ctx: object, fire_time: datetime) -> None:
                guild = ctx.guild_id  # type: ignore[attr-defined]
                await tx.execute("INSERT INTO settings (guild_id, key, value) VALUES (?, 'prepared.test', ?)",  # type: ignore[attr-defined]
                                 (guild, str(read[0][0])))
                if guild in fail:
                    fail.discard(guild)
                    raise RuntimeError(f"{guild} fails once")
            return prepared
        return [made(ctx) for ctx in batch]

    job = Job(name="prepared-test", trigger=sim.engine.scheduler.jobs[0].trigger, period=period_week, body=body,
              shared_transaction=True, prepare=prepare)
    scheduler = Scheduler(sim.ctx, [], dispatcher=None)  # type: ignore[arg-type]
    for ctx in contexts:
        scheduler.add(ctx, [job])
    when = sim.ctx.now()
    with pytest.raises(RuntimeError, match="p1 fails once"):
        await scheduler.run_jobs([(ctx, job) for ctx in contexts], when)
    # p1 failed: the transaction went back whole, the two before it ran again (and read again) and committed.
    assert asked == [[ctx.guild_id for ctx in contexts], [sim.ctx.guild_id, "p0"]]
    assert await scheduler.run_jobs([(ctx, job) for ctx in contexts], when) == 2
    assert asked[2] == ["p1", "p2"]  # the periods taken are not read again
    rows = await sim.ctx.db.fetchall("SELECT guild_id, value FROM settings WHERE key = 'prepared.test' "
                                     "ORDER BY guild_id")
    # Each body wrote what its own prepare read: nothing before the first run, the first two after it.
    assert sorted((r[0], r[1]) for r in rows) == sorted([(sim.ctx.guild_id, "0"), ("p0", "0"), ("p1", "2"),
                                                          ("p2", "2")])
    assert await scheduler.run_jobs([(ctx, job) for ctx in contexts], when) == 0
    assert len(asked) == 3  # every period taken: nothing read


async def test_a_failing_community_keeps_the_one_by_one_outcome(sim: Sim) -> None:
    others = [place(sim, f"p{i}", f"Lieu {i}") for i in range(3)]
    network(sim, *others)
    contexts = [sim.ctx, *others]
    done: list[str] = []

    async def body(tx: object, ctx: object, fire_time: datetime) -> None:
        guild = ctx.guild_id  # type: ignore[attr-defined]
        await tx.execute("INSERT INTO settings (guild_id, key, value) VALUES (?, 'batch.test', 'x')",  # type: ignore[attr-defined]
                         (guild,))
        if guild == "p1" and not done:
            done.append(guild)
            raise RuntimeError("p1 fails once")

    job = Job(name="batch-test", trigger=sim.engine.scheduler.jobs[0].trigger, period=period_week, body=body,
              shared_transaction=True)
    scheduler = Scheduler(sim.ctx, [], dispatcher=None)  # type: ignore[arg-type]
    for ctx in contexts:
        scheduler.add(ctx, [job])
    when = sim.ctx.now()
    with pytest.raises(RuntimeError, match="p1 fails once"):
        await scheduler.run_jobs([(ctx, job) for ctx in contexts], when)
    rows = await sim.ctx.db.fetchall("SELECT guild_id FROM settings WHERE key = 'batch.test' ORDER BY guild_id")
    runs = await sim.ctx.db.fetchall("SELECT key FROM job_run WHERE job LIKE '%batch-test' ORDER BY key")
    assert [r[0] for r in rows] == sorted([sim.ctx.guild_id, "p0"])  # before p1: committed; p1, p2: not
    assert len(runs) == 2
    assert await scheduler.run_jobs([(ctx, job) for ctx in contexts], when) == 2  # p1 and p2 now, once
    rows = await sim.ctx.db.fetchall("SELECT guild_id FROM settings WHERE key = 'batch.test' ORDER BY guild_id")
    assert [r[0] for r in rows] == sorted([sim.ctx.guild_id, "p0", "p1", "p2"])
    assert await scheduler.run_jobs([(ctx, job) for ctx in contexts], when) == 0


async def test_the_alarm_clock_groups_a_job_only_where_it_fires_alike(sim: Sim) -> None:
    from bot.app import collect_jobs
    from bot.config import parse_config
    from bot.scheduler import batches

    alike = [place(sim, f"a{i}", f"Lieu {i}") for i in range(2)]
    montreal = place(sim, "m0", "Montréal", parse_config({"community": {"timezone": "America/Montreal"}}))
    network(sim, *alike, montreal)
    scheduler = Scheduler(sim.ctx, collect_jobs(sim.ctx), dispatcher=None)  # type: ignore[arg-type]
    for ctx in [*alike, montreal]:
        scheduler.add(ctx, collect_jobs(ctx))
    groups = [(group[0].job.name, tuple(e.ctx.guild_id for e in group))
              for group in batches(scheduler.entries, same_trigger=True)]
    first = sim.ctx.guild_id
    for name in ("weekly-nudges", "weekly-digest", "newcomer-checkins"):
        assert (name, (first, "a0", "a1")) in groups
        assert (name, ("m0",)) in groups  # another zone: its own firing
    assert ("reminders", ("a0",)) in groups  # a job not marked runs alone
    in_time = batches(scheduler.entries)  # the simulated clock: alike by name, at the first one's place
    together = sorted((group[0].job.name, len(group)) for group in in_time if len(group) > 1)
    assert together == [("newcomer-checkins", 4), ("weekly-digest", 4), ("weekly-nudges", 4)]
