"""The outbox: delivery in order, pacing on the clock, retries, closed-DM fallback, nothing lost on a crash."""
from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import SimulatedClock
from bot.config import Config, Delivery
from bot.context import Community
from bot.i18n import Translator
from bot.outbox import Dispatcher, DMClosed, Outgoing, TransientDeliveryError, post, send_dm
from bot.services.members import ensure_member
from storage.database import open_database
from tests.pg_support import entraide

START = datetime.fromisoformat("2026-12-01T09:00:00+01:00")


class FlakyTransport:
    """Records deliveries; fails the first `transient` attempts, refuses DMs to `closed` users."""

    def __init__(self, transient: int = 0, closed: frozenset[str] = frozenset()) -> None:
        self.sent: list[Outgoing] = []
        self.transient, self.closed = transient, closed

    async def deliver(self, message: Outgoing) -> None:
        if self.transient:
            self.transient -= 1
            raise TransientDeliveryError("503")
        if message.target_kind == "dm" and message.target_id in self.closed:
            raise DMClosed(message.target_id)
        self.sent.append(message)


async def community(tmp_path: Path, transport: FlakyTransport, **delivery: object):  # noqa: ANN201
    db = await open_database(tmp_path / "o.sqlite")
    clock = SimulatedClock(START)
    ctx = Community(db, clock, Config(), Translator(), "g")
    settings = Delivery(**delivery)  # type: ignore[arg-type]
    flagged: list[str] = []

    async def on_closed(pid: str) -> None:
        flagged.append(pid)

    return ctx, Dispatcher(db, clock, transport, settings, on_closed), flagged


async def test_messages_go_out_in_order_and_are_marked_sent(tmp_path: Path) -> None:
    transport = FlakyTransport()
    ctx, dispatcher, _ = await community(tmp_path, transport)
    try:
        async with ctx.db.transaction() as tx:
            for i in range(5):
                await post(tx, ctx, "general", "reminder", f"m{i}")
        assert await dispatcher.deliver_due() == 5
        assert [m.payload["text"] for m in transport.sent] == ["m0", "m1", "m2", "m3", "m4"]
        assert await dispatcher.deliver_due() == 0
        rows = await ctx.db.fetchall("SELECT status FROM outbox")
        assert {r[0] for r in rows} == {"sent"}
    finally:
        await ctx.db.close()


async def test_bulk_messages_are_paced_after_a_burst(tmp_path: Path) -> None:
    transport = FlakyTransport()
    ctx, dispatcher, _ = await community(tmp_path, transport, burst=3, rate_per_minute=60)
    try:
        async with ctx.db.transaction() as tx:
            for i in range(6):
                await post(tx, ctx, "general", "nudge", f"n{i}", paced=True)
            await post(tx, ctx, "welcome", "welcome", "a command's own message")
        await dispatcher.deliver_due()
        texts = [m.payload["text"] for m in transport.sent]
        assert texts == ["n0", "n1", "n2", "a command's own message"]
        wake = await dispatcher.next_wakeup()
        assert wake == START + timedelta(seconds=1)
        ctx.clock.set(START + timedelta(seconds=3))  # type: ignore[attr-defined]
        await dispatcher.deliver_due()
        assert [m.payload["text"] for m in transport.sent][4:] == ["n3", "n4", "n5"]
    finally:
        await ctx.db.close()


async def test_transient_failures_are_retried_with_backoff(tmp_path: Path) -> None:
    transport = FlakyTransport(transient=2)
    ctx, dispatcher, _ = await community(tmp_path, transport, retry_base_seconds=10)
    try:
        async with ctx.db.transaction() as tx:
            await post(tx, ctx, "general", "reminder", "hello")
        await dispatcher.deliver_due()
        assert transport.sent == []
        assert await dispatcher.next_wakeup() == START + timedelta(seconds=10)
        ctx.clock.set(START + timedelta(seconds=10))  # type: ignore[attr-defined]
        await dispatcher.deliver_due()
        assert transport.sent == []
        ctx.clock.set(START + timedelta(seconds=30))  # type: ignore[attr-defined]
        await dispatcher.deliver_due()
        assert [m.payload["text"] for m in transport.sent] == ["hello"]
        row = await ctx.db.fetchone("SELECT status, attempts FROM outbox")
        assert tuple(row) == ("sent", 2)
    finally:
        await ctx.db.close()


async def test_a_message_failing_every_time_ends_failed_not_looping(tmp_path: Path) -> None:
    transport = FlakyTransport(transient=100)
    ctx, dispatcher, _ = await community(tmp_path, transport, max_attempts=3, retry_base_seconds=1)
    try:
        async with ctx.db.transaction() as tx:
            await post(tx, ctx, "general", "reminder", "never")
        for step in range(10):
            ctx.clock.set(START + timedelta(seconds=10 * step))  # type: ignore[attr-defined]
            await dispatcher.deliver_due()
        assert (await ctx.db.fetchone("SELECT status FROM outbox"))[0] == "failed"
        assert await dispatcher.next_wakeup() is None
    finally:
        await ctx.db.close()


async def test_a_closed_dm_becomes_a_mention_in_the_fallback_channel(tmp_path: Path) -> None:
    transport = FlakyTransport(closed=frozenset({"bob"}))
    ctx, dispatcher, flagged = await community(tmp_path, transport)
    try:
        async with ctx.db.transaction() as tx:
            bob = await ensure_member(tx, ctx, "bob", "bob")
            await send_dm(tx, ctx, bob, "helper-ping", "can you help?", fallback_channel="help-requests",
                          fallback_thread="request-1")
        await dispatcher.deliver_due()
        [message] = transport.sent
        assert message.target == "channel:help-requests"
        assert message.payload["thread"] == "request-1"
        assert message.payload["mentions"] == ["bob"]
        assert message.payload["text"].startswith("<@bob> ")
        assert flagged == ["bob"]
    finally:
        await ctx.db.close()


def _console(db: Path, lines: list[dict], env: dict | None = None) -> list[dict]:
    proc = subprocess.run(
        entraide("console", "--jsonl", "--db", str(db), "--start", "2026-12-01T09:00:00+01:00"),
        input="".join(json.dumps(line) + "\n" for line in lines), capture_output=True, text=True, timeout=60,
        env={**os.environ, **(env or {})},
    )
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


@pytest.mark.slow
def test_killed_between_delivery_and_marking_sent_repeats_at_most_that_message(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    outs = _console(db, [{"type": "join", "user": "alice"}], env={"ENTRAIDE_FAULT": "outbox:after-send:1"})
    assert [o["kind"] for o in outs if o["type"] == "dm"] == ["welcome"]
    assert not any(o["type"] == "done" for o in outs)  # it died in flight
    outs = _console(db, [])
    assert [o["kind"] for o in outs if o["type"] == "dm"] == ["welcome"]  # delivered again at start-up
    outs = _console(db, [])
    assert [o for o in outs if o["type"] == "dm"] == []  # and never again


@pytest.mark.parametrize("column,value", [("op", "bogus"), ("status", "lost"), ("op", "SEND")])
async def test_outbox_checks_refuse_unknown_ops_and_statuses(tmp_path: Path, column: str, value: str) -> None:
    """0098 rewrote the CHECKs (OR instead of IN, for speed): they still refuse what they refused."""
    from storage.database import integrity_errors

    db = await open_database(tmp_path / "o.sqlite")
    try:
        with pytest.raises(integrity_errors()):
            async with db.transaction() as tx:
                await tx.execute(
                    f"INSERT INTO outbox (guild_id, kind, target, payload, not_before, created_at, {column}) "
                    "VALUES ('g', 'k', 'dm:1', '{}', 0, 0, ?)", (value,))
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO outbox (guild_id, kind, op, status, target, payload, not_before, created_at) "
                             "VALUES ('g', 'k', 'role', 'failed', 'member:1', '{}', 0, 0)")
        assert (await db.fetchone("SELECT COUNT(*) FROM outbox"))[0] == 1
    finally:
        await db.close()
