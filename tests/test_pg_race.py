"""Two bot processes on one PostgreSQL database race for the same job periods and the same outbox:
every digest, nudge, ping and message happens once (the `job_run` key is the lock, outbox rows are
locked for their delivery with FOR UPDATE SKIP LOCKED). Two engines with their own connections
stand for the two processes; they run truly interleaved on one event loop."""
from __future__ import annotations

import asyncio
import os
from collections import Counter
from datetime import datetime
from typing import Any

import pytest

from bot.app import Engine
from bot.clock import SimulatedClock
from bot.config import Config
from bot.transports.console import ConsoleServer
from tests import pg_support
from tests.harness import START

pytestmark = pytest.mark.skipif(not os.environ.get("ENTRAIDE_TEST_DATABASE_URL"),
                                reason="needs a PostgreSQL server (scripts/with-postgres)")


class Process:
    """One engine, its console transport, and the outbox ids it delivered."""

    def __init__(self) -> None:
        self.outputs: list[dict[str, Any]] = []
        self.server = ConsoleServer(self.outputs.append)
        self.delivered: list[int] = []
        deliver = self.server.deliver

        async def recording(message: Any) -> None:
            await deliver(message)
            self.delivered.append(message.id)

        self.server.deliver = recording  # type: ignore[method-assign]
        self.engine: Engine | None = None

    async def open(self, url: str) -> Process:
        clock = SimulatedClock(datetime.fromisoformat(START))
        self.engine = await Engine.open(Config(), url, clock, self.server, single_instance=False)
        self.server.engine = self.engine
        await self.engine.start()
        return self

    async def send(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        mark = len(self.outputs)
        await self.server.handle(event)
        return self.outputs[mark:]


async def test_two_processes_run_each_period_and_send_each_message_once() -> None:
    url = await pg_support.fresh_database()
    a, b = Process(), Process()
    try:
        await a.open(url)
        await b.open(url)
        for i in range(12):
            user = f"m{i}"
            await a.send({"type": "join", "user": user, "locale": "fr"})
            await a.send({"type": "click", "user": user, "custom_id": "charter:accept"})
            await a.send({"type": "command", "user": user, "command": "profile set",
                          "options": {"skills": "plomberie, jardinage" if i % 2 else "plomberie"}})
        for i in range(3):
            await a.send({"type": "command", "user": f"m{i}", "command": "request new",
                          "options": {"title": f"Fuite {i}", "details": "sous l'évier", "skills": "plomberie"}})
        await b.send({"type": "join", "user": "late", "locale": "en"})
        # Three weeks: digests, nudges, escalation rounds, check-ins; both processes race for all of them.
        for day in range(1, 22):
            target = f"2026-12-{1 + day:02d}T20:00:00+01:00"
            await asyncio.gather(a.engine.scheduler.advance_to(datetime.fromisoformat(target)),
                                 b.engine.scheduler.advance_to(datetime.fromisoformat(target)))
            await asyncio.gather(a.engine.dispatcher.deliver_due(), b.engine.dispatcher.deliver_due())
        db = a.engine.ctx.db
        delivered = Counter(a.delivered + b.delivered)
        twice = {i: n for i, n in delivered.items() if n > 1}
        assert not twice, f"outbox rows delivered more than once: {twice}"
        sent = await db.fetchall("SELECT id FROM outbox WHERE status = 'sent'")
        assert {r[0] for r in sent} == set(delivered)
        digests = await db.fetchall("SELECT key FROM outbox WHERE kind = 'weekly-digest'")
        assert digests and len(digests) == len({r[0] for r in digests})
        nudges = await db.fetchall("SELECT member_id, week, COUNT(*) FROM nudge GROUP BY member_id, week "
                                   "HAVING COUNT(*) > 1")
        assert nudges == []
        pings = await db.fetchall("SELECT request_id, helper_id, round, COUNT(*) FROM request_ping "
                                  "GROUP BY request_id, helper_id, round HAVING COUNT(*) > 1")
        assert pings == []
        assert await db.fetchall("SELECT 1 FROM request_ping") != []
        runs = await db.fetchall("SELECT job, COUNT(*) FROM job_run GROUP BY job")
        assert runs, "no job ran"
        assert len(a.delivered) + len(b.delivered) == len(sent)
    finally:
        for p in (a, b):
            if p.engine is not None:
                await p.engine.close()
        await pg_support.drop_url(url)
