"""Pacing that recovers: after the platform says "too fast", the bulk rate climbs back (simulated clock)."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from bot.clock import SimulatedClock
from bot.config import Config, Delivery
from bot.context import Community
from bot.i18n import Translator
from bot.outbox import Dispatcher, Outgoing, TransientDeliveryError, post
from storage.database import open_database

START = datetime.fromisoformat("2026-12-02T10:00:00+01:00")


class TooFastAtFirst:
    """Answers "slow down" (Discord's 429 / 40003) `refusals` times, then accepts everything."""

    def __init__(self, clock: SimulatedClock, refusals: int) -> None:
        self.clock, self.refusals = clock, refusals
        self.sent: list[tuple[str, datetime]] = []

    async def deliver(self, message: Outgoing) -> None:
        if self.refusals:
            self.refusals -= 1
            raise TransientDeliveryError("429", slow_down=True)
        self.sent.append((message.payload["text"], self.clock.now()))


async def test_the_bulk_rate_climbs_back_after_a_slowdown(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "p.sqlite")
    clock = SimulatedClock(START)
    ctx = Community(db, clock, Config(), Translator(), "g")
    transport = TooFastAtFirst(clock, refusals=6)
    settings = Delivery(burst=1, rate_per_minute=20, retry_base_seconds=1, max_attempts=50)
    dispatcher = Dispatcher(db, clock, transport, settings)
    try:
        async with db.transaction() as tx:
            for i in range(60):
                await post(tx, ctx, "general", "nudge", f"n{i}", paced=True)
        lowest = dispatcher.bucket.rate
        for _ in range(10_000):
            await dispatcher.deliver_due()
            lowest = min(lowest, dispatcher.bucket.rate)
            wake = await dispatcher.next_wakeup()
            if wake is None:
                break
            clock.set(wake)
        assert len(transport.sent) == 60
        configured = 20 / 60
        assert lowest == 1 / 60  # six "too fast" answers halved it down to its floor, one a minute
        assert dispatcher.bucket.rate == configured  # and it came back
        # Once recovered, the last twenty went out at the configured pace: one every three seconds.
        times = [at for _, at in transport.sent[-20:]]
        gaps = {round((b - a).total_seconds()) for a, b in zip(times, times[1:], strict=False)}
        assert gaps == {3}, gaps
        assert times[-1] - transport.sent[0][1] < timedelta(hours=1)
    finally:
        await db.close()
