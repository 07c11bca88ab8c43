"""The outbox's `edit` and `thread` operations: after their original, idempotent, retried, superseded,
never lost or repeated across a restart; the migration that added them keeps every row and link."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import SimulatedClock
from bot.config import Config, Delivery
from bot.context import Community
from bot.i18n import Translator
from bot.outbox import (
    Component,
    Dispatcher,
    DMClosed,
    Outgoing,
    TransientDeliveryError,
    edit,
    post,
    send_dm,
    update_thread,
)
from bot.services.members import ensure_member
from storage.database import migrations, open_database

START = datetime.fromisoformat("2026-12-01T09:00:00+01:00")


class Recorder:
    """Records deliveries as a platform would: a sent message gets an id (`p<n>`), edits name it."""

    def __init__(self, transient: int = 0, closed: frozenset[str] = frozenset()) -> None:
        self.seen: list[Outgoing] = []
        self.transient, self.closed = transient, closed

    async def deliver(self, message: Outgoing) -> str | None:
        if message.op == "edit" and self.transient:
            self.transient -= 1
            raise TransientDeliveryError("503")
        if message.op == "send" and message.target_kind == "dm" and message.target_id in self.closed:
            raise DMClosed(message.target_id)
        self.seen.append(message)
        return f"p{message.id}" if message.op == "send" else None


async def community(path: Path, transport: Recorder, start: datetime = START):  # noqa: ANN201
    db = await open_database(path)
    clock = SimulatedClock(start)
    ctx = Community(db, clock, Config(), Translator(), "g")
    return ctx, Dispatcher(db, clock, transport, Delivery(burst=1, rate_per_minute=1), None)


async def test_an_edit_changes_the_delivered_message_in_place(tmp_path: Path) -> None:
    transport = Recorder()
    ctx, dispatcher = await community(tmp_path / "e.sqlite", transport)
    try:
        async with ctx.db.transaction() as tx:
            original = await post(tx, ctx, "help-requests", "request", "Fuite", editable=True,
                                  components=[Component("request:claim:1", "Je m'en occupe")])
        await dispatcher.deliver_due()
        async with ctx.db.transaction() as tx:
            await edit(tx, ctx, original, status="Pris en charge", key="r1:claimed",
                       components=[Component("request:claim:1", "Je m'en occupe", disabled=True)])
            assert await edit(tx, ctx, original, status="again", key="r1:claimed") is None  # same key: ignored
        await dispatcher.deliver_due()
        sent, changed = transport.seen
        assert (changed.op, changed.kind, changed.target) == ("edit", "request", "channel:help-requests")
        assert changed.payload["message_ref"] == f"p{original}"
        assert changed.payload["text"] == "Fuite\n\nPris en charge"
        assert changed.payload["components"] == [{"custom_id": "request:claim:1", "label": "Je m'en occupe",
                                                  "disabled": True}]
        assert changed.payload["mentions"] == []
        row = await ctx.db.fetchone("SELECT delivered_as FROM outbox WHERE id = ?", (original,))
        assert row[0] == f"p{original}"
    finally:
        await ctx.db.close()


async def test_an_edit_queued_before_its_original_went_out_waits_for_it(tmp_path: Path) -> None:
    transport = Recorder()
    ctx, dispatcher = await community(tmp_path / "w.sqlite", transport)
    try:
        async with ctx.db.transaction() as tx:
            await post(tx, ctx, "general", "nudge", "first paced", paced=True)
            original = await post(tx, ctx, "general", "motm-poll", "Ballot", paced=True, editable=True)
            await edit(tx, ctx, original, text="Ballot (1)")
            await update_thread(tx, ctx, "general", "t-1", after=original, archived=True, resolved=True)
        await dispatcher.deliver_due()
        assert [m.payload["text"] for m in transport.seen] == ["first paced"]  # the bucket holds the ballot
        ctx.clock.set(START + timedelta(minutes=1))  # type: ignore[attr-defined]
        await dispatcher.deliver_due()
        assert [(m.op, m.payload.get("text")) for m in transport.seen[1:]] == [
            ("send", "Ballot"), ("edit", "Ballot (1)"), ("thread", None)]
        assert transport.seen[-1].payload == {"thread": "t-1", "archived": True, "resolved": True}
    finally:
        await ctx.db.close()


async def test_a_newer_edit_makes_an_older_pending_one_moot_and_failures_are_retried(tmp_path: Path) -> None:
    transport = Recorder(transient=1)
    ctx, dispatcher = await community(tmp_path / "s.sqlite", transport)
    try:
        async with ctx.db.transaction() as tx:
            original = await post(tx, ctx, "general", "motm-poll", "Ballot", editable=True)
        await dispatcher.deliver_due()
        async with ctx.db.transaction() as tx:
            await edit(tx, ctx, original, text="Ballot: Ana")
        await dispatcher.deliver_due()  # refused once (503): retried later
        async with ctx.db.transaction() as tx:
            await edit(tx, ctx, original, text="Ballot: Ana, Bob")
        ctx.clock.set(START + timedelta(hours=1))  # type: ignore[attr-defined]
        await dispatcher.deliver_due()
        assert [m.payload["text"] for m in transport.seen if m.op == "edit"] == ["Ballot: Ana, Bob"]
        rows = await ctx.db.fetchall("SELECT status FROM outbox WHERE op = 'edit'")
        assert [r[0] for r in rows] == ["sent", "sent"]
    finally:
        await ctx.db.close()


async def test_an_edit_of_a_dm_that_fell_back_edits_the_channel_post(tmp_path: Path) -> None:
    transport = Recorder(closed=frozenset({"bob"}))
    ctx, dispatcher = await community(tmp_path / "f.sqlite", transport)
    try:
        async with ctx.db.transaction() as tx:
            bob = await ensure_member(tx, ctx, "bob", "Bob")
            original = await send_dm(tx, ctx, bob, "helper-ping", "Can you help?", urgent=True, editable=True,
                                     fallback_channel="help-requests", fallback_thread="request-1")
        await dispatcher.deliver_due()
        async with ctx.db.transaction() as tx:
            await edit(tx, ctx, original, text="Taken, thank you")
        await dispatcher.deliver_due()
        changed = transport.seen[-1]
        assert changed.target == "channel:help-requests"
        assert changed.payload["text"] == "<@bob> Taken, thank you"
        assert changed.payload["thread"] == "request-1"
    finally:
        await ctx.db.close()


async def test_an_edit_of_a_message_that_never_went_out_is_dropped(tmp_path: Path) -> None:
    ctx, dispatcher = await community(tmp_path / "n.sqlite", Recorder())
    try:
        async with ctx.db.transaction() as tx:
            assert await edit(tx, ctx, 4242, text="nothing to edit") is None
            original = await post(tx, ctx, "general", "motm-poll", "Ballot", editable=True)
            await edit(tx, ctx, original, text="Ballot 2")
            await ctx.db.conn.execute("UPDATE outbox SET status = 'failed' WHERE id = ?", (original,))
        assert await dispatcher.deliver_due() == 0
        rows = await ctx.db.fetchall("SELECT status FROM outbox WHERE op = 'edit'")
        assert [r[0] for r in rows] == ["failed"]
    finally:
        await ctx.db.close()


async def test_a_restart_between_send_and_edit_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    first = Recorder()
    ctx, dispatcher = await community(path, first)
    async with ctx.db.transaction() as tx:
        original = await post(tx, ctx, "general", "motm-poll", "Ballot", editable=True)
    await dispatcher.deliver_due()
    async with ctx.db.transaction() as tx:
        await edit(tx, ctx, original, text="Ballot: Ana")
    await ctx.db.close()  # the process ends with the edit written, not delivered
    second = Recorder()
    ctx, dispatcher = await community(path, second, START + timedelta(minutes=5))
    try:
        await dispatcher.deliver_due()
        assert [(m.op, m.payload["text"], m.payload.get("message_ref")) for m in second.seen] == [
            ("edit", "Ballot: Ana", f"p{original}")]
    finally:
        await ctx.db.close()


@pytest.mark.sqlite_only('builds an SQLite file from before 0230 by hand')
async def test_the_migration_keeps_the_rows_and_their_subjects(tmp_path: Path) -> None:
    """A file from before 0230 (the outbox rebuilt with the edit, thread and event ops), with messages
    naming members, keeps every row and link after it."""
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys=ON")
    for version, _name, sql in migrations():
        if version >= 230:
            break
        conn.executescript(sql)
        conn.execute(f"PRAGMA user_version={version}")
    conn.execute("INSERT INTO member (guild_id, platform_id, handle, joined_at) VALUES ('g', 'ana', 'Ana', 0)")
    conn.execute("INSERT INTO outbox (guild_id, kind, op, target, payload, not_before, created_at, status) "
                 "VALUES ('g', 'thanks', 'send', 'channel:general', '{\"text\": \"<@ana>\"}', 0, 0, 'sent')")
    conn.execute("INSERT INTO outbox_subject (member_id, outbox_id) VALUES (1, 1)")
    conn.commit()
    conn.close()
    db = await open_database(path)
    try:
        assert [tuple(r) for r in await db.fetchall("SELECT member_id, outbox_id FROM outbox_subject")] == [(1, 1)]
        assert [tuple(r) for r in await db.fetchall("SELECT id, op, delivered_as FROM outbox")] == [(1, "send", None)]
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO outbox (guild_id, kind, op, target, payload, not_before, created_at, "
                             "edit_of) VALUES ('g', 'thanks', 'edit', 'channel:general', '{}', 0, 0, 1)")
    finally:
        await db.close()
