"""Activity: messages counted per member per day (never their content), written in batches, so a
burst of thousands of messages costs a few transactions and a clean stop loses nothing."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest

from storage import activity as activity_repo
from tests.harness import Sim
from tests.test_digest import member_id


def count_transactions(sim: Sim) -> list[int]:
    """Wrap the database's transaction() so the test sees how many the code opens."""
    db = sim.ctx.db
    original = db.transaction
    counter = [0]

    @asynccontextmanager
    async def counted() -> AsyncIterator[Any]:
        counter[0] += 1
        async with original() as tx:
            yield tx

    db.transaction = counted  # type: ignore[method-assign]
    return counter


async def counts(sim: Sim, user: str) -> list[tuple[str, int, int]]:
    return await activity_repo.counts_for(sim.ctx.db.reader, await member_id(sim, user))


async def test_a_burst_of_thousands_of_messages_costs_a_few_transactions_and_counts_exactly(sim: Sim) -> None:
    users = [f"m{n:02d}" for n in range(40)]
    for user in users:
        await sim.onboard(user)
    engine = sim.engine
    assert engine is not None
    await engine.activity.flush()
    transactions = count_transactions(sim)
    for i in range(12_000):
        await engine.message_seen(users[i % len(users)])
    await sim.send({"type": "message", "user": "m00", "channel": "general", "text": "et un de plus"})
    await engine.activity.flush()
    assert transactions[0] <= 4, transactions  # the buffer holds 5,000 events: 2 full flushes + the last one
    assert await counts(sim, "m00") == [("2026-12-01", 301, 1)]  # 1 action: accepting the charter
    assert await counts(sim, "m39") == [("2026-12-01", 300, 1)]
    total = await sim.ctx.db.fetchone("SELECT SUM(messages) FROM activity_day")
    assert total[0] == 12_001


async def test_a_clean_stop_writes_what_was_buffered(sim: Sim) -> None:
    await sim.onboard("alice")
    for _ in range(250):
        await sim.send({"type": "message", "user": "alice", "channel": "general", "text": "x"})
    assert sim.engine is not None and sim.engine.activity.pending > 0
    await sim.restart()
    assert await counts(sim, "alice") == [("2026-12-01", 250, 1)]


async def test_commands_and_clicks_count_as_actions_and_days_follow_community_time(sim: Sim) -> None:
    await sim.onboard("alice")  # the charter click
    await sim.command("alice", "help")
    await sim.advance(until="2026-12-01T23:59:00+01:00")
    await sim.send({"type": "message", "user": "alice", "channel": "general", "text": "bonne nuit"})
    await sim.advance(until="2026-12-02T00:01:00+01:00")
    await sim.send({"type": "message", "user": "alice", "channel": "general", "text": "bonjour"})
    await sim.advance(by="1m")
    assert await counts(sim, "alice") == [("2026-12-01", 1, 2), ("2026-12-02", 1, 0)]
    row = await sim.ctx.db.fetchone("SELECT last_active_at FROM member WHERE platform_id = 'alice'")
    assert row[0] == sim.ctx.now_ts() - 60


async def test_nothing_about_the_content_is_stored(sim: Sim) -> None:
    await sim.onboard("alice")
    await sim.send({"type": "message", "user": "alice", "channel": "general", "text": "secret-sentinel-42"})
    await sim.close()
    assert b"secret-sentinel-42" not in sim.db.read_bytes()
    await sim.open()


async def test_strangers_messages_are_ignored(sim: Sim) -> None:
    await sim.send({"type": "message", "user": "nobody", "channel": "general", "text": "hi"})
    assert sim.engine is not None
    await sim.engine.activity.flush()
    assert await sim.ctx.db.fetchall("SELECT * FROM activity_day") == []
    assert await sim.ctx.db.fetchall("SELECT * FROM member WHERE platform_id = 'nobody'") == []


async def test_the_real_time_path_flushes_every_few_seconds(sim: Sim) -> None:
    await sim.onboard("alice")
    engine = sim.engine
    assert engine is not None
    await engine.activity.flush()
    await engine.message_seen("alice")
    assert await engine.activity.flush_if_due(every_seconds=5) == 0  # not yet
    sim.ctx.clock.set(sim.ctx.now() + timedelta(seconds=5))
    assert await engine.activity.flush_if_due(every_seconds=5) == 1
    assert await engine.activity.flush_if_due(every_seconds=5) == 0  # nothing left
    assert await counts(sim, "alice") == [("2026-12-01", 1, 1)]


async def test_a_failed_flush_keeps_the_counts_for_the_next_one(sim: Sim, monkeypatch: pytest.MonkeyPatch) -> None:
    await sim.onboard("alice")
    engine = sim.engine
    assert engine is not None
    for _ in range(3):
        await engine.message_seen("alice")

    async def broken(*_args: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(activity_repo, "add_counts", broken)
    with pytest.raises(RuntimeError):
        await engine.activity.flush()
    monkeypatch.undo()
    await engine.message_seen("alice")
    await engine.activity.flush()
    assert await counts(sim, "alice") == [("2026-12-01", 4, 1)]


async def test_a_member_erased_while_buffered_is_skipped(sim: Sim) -> None:
    await sim.onboard("alice")
    await sim.onboard("bob")
    engine = sim.engine
    assert engine is not None
    await engine.activity.flush()
    await engine.message_seen("alice")
    await engine.message_seen("bob")
    alice = await member_id(sim, "alice")
    async with sim.ctx.db.transaction() as tx:
        await tx.execute("DELETE FROM member WHERE id = ?", (alice,))
    await engine.activity.flush()
    assert await counts(sim, "bob") == [("2026-12-01", 1, 1)]


async def test_batched_writes_keep_every_count_latest_day_and_weekly_rollup_exact(sim: Sim) -> None:
    """Flushes over several days and weeks, the same members and days again in later flushes (the
    upsert's update path), one member's rows written twice in one batch: the days' counts are the
    events' sums, and each member's latest day and last-seen time and the weekly rollup agree with
    their plain definitions (PostgreSQL writes a batch as one statement over arrays)."""
    import random

    from bot.clock import to_epoch
    from tests.test_vitality import REFERENCE_ROLLUP

    rng = random.Random(31)
    users = [f"w{n:02d}" for n in range(12)]
    for user in users:
        await sim.onboard(user)
    ids = {user: await member_id(sim, user) for user in users}
    recorder = sim.engine.activity if sim.engine else None
    assert recorder is not None
    await recorder.flush()
    before = {(r[0], r[1]): (r[2], r[3]) for r in await sim.ctx.db.fetchall(
        "SELECT member_id, day, messages, actions FROM activity_day")}
    expected: dict[tuple[int, str], list[int]] = {}
    seen: dict[int, int] = {}
    for _flush in range(6):
        for _event in range(rng.randrange(20, 80)):
            user = rng.choice(users)
            if rng.random() < 0.7:
                await recorder.message(user)
                kind = 0
            else:
                await recorder.record(ids[user], actions=1)
                kind = 1
            day = sim.ctx.local(sim.ctx.now()).date().isoformat()
            expected.setdefault((ids[user], day), [0, 0])[kind] += 1
            seen[ids[user]] = to_epoch(sim.ctx.now())
            if rng.random() < 0.2:
                sim.ctx.clock.set(sim.ctx.now() + timedelta(hours=rng.choice((3, 20, 50))))  # type: ignore[attr-defined]
        await recorder.flush()
    rows = {(r[0], r[1]): (r[2], r[3]) for r in await sim.ctx.db.fetchall(
        "SELECT member_id, day, messages, actions FROM activity_day")}
    for key, (messages, actions) in expected.items():
        old = before.get(key, (0, 0))
        assert rows[key] == (old[0] + messages, old[1] + actions), key
    for member, at in seen.items():
        row = await sim.ctx.db.fetchone("SELECT last_active_at FROM member WHERE id = ?", (member,))
        assert row[0] >= at
    async with sim.ctx.db.transaction() as tx:  # one batch naming a member and a day twice
        await activity_repo.add_counts(tx, [(ids["w00"], "2026-12-01", 2, 0), (ids["w00"], "2026-12-01", 3, 1)])
        later = to_epoch(sim.ctx.now()) + 60
        await activity_repo.touch_members(tx, [(5, ids["w01"]), (later, ids["w01"]), (7, ids["w01"])])
    row = await sim.ctx.db.fetchone("SELECT messages, actions FROM activity_day WHERE member_id = ? AND day = ?",
                                    (ids["w00"], "2026-12-01"))
    old = rows.get((ids["w00"], "2026-12-01"), (0, 0))
    assert tuple(row) == (old[0] + 5, old[1] + 1)
    row = await sim.ctx.db.fetchone("SELECT last_active_at FROM member WHERE id = ?", (ids["w01"],))
    assert row[0] == later
    db = sim.ctx.db
    rollup = {(r[0], r[1]): r[2] for r in await db.fetchall("SELECT * FROM activity_week") if r[2]}
    assert rollup == {(r[0], r[1]): r[2] for r in await db.fetchall(REFERENCE_ROLLUP)}
    assert len(rollup) >= 2  # several weeks
    assert await db.fetchall("SELECT id FROM member WHERE last_activity_day IS NOT "
                             "(SELECT MAX(day) FROM activity_day a WHERE a.member_id = member.id)") == []
