"""The daemon's notifications read one by one, for one group (SignalServer) or a network's groups
(SignalNetwork): written once so both start, stop and survive a bad envelope alike."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from bot.transports.signal_rpc import SignalRpc

log = logging.getLogger(__name__)


class NotificationConsumer:
    """Start the RPC connection, hand each notification to `handle_notification` once `members_ready`."""

    rpc: SignalRpc
    _consumer: asyncio.Task[None] | None = None
    consumer_name = "signal-consumer"

    async def members_ready(self) -> None:
        """Wait until the groups' members are known (a notification before that would be misread)."""

    async def handle_notification(self, note: dict[str, Any]) -> None:
        raise NotImplementedError

    async def start(self) -> None:
        """Connect (or keep trying in the background) and consume notifications."""
        await self.rpc.start()
        self._consumer = asyncio.create_task(self._consume(), name=self.consumer_name)

    async def stop(self) -> None:
        if self._consumer is not None:
            self._consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._consumer
        await self.rpc.close()

    async def _consume(self) -> None:
        while True:
            note = await self.rpc.notifications.get()
            await self.members_ready()
            try:
                await self.handle_notification(note)
            except Exception:  # one bad envelope must not stop the bot
                log.exception("signal notification failed")
