"""The whole bot on Signal against the fake signal-cli: real SQLite, the simulated clock, real frames."""
from __future__ import annotations

import asyncio
import uuid as uuidlib
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.clock import SimulatedClock
from bot.config import Config, parse_config
from bot.transports.signal import SignalServer
from bot.transports.signal_rpc import Endpoint, SignalRpc
from bot.transports.signal_run import open_signal
from bot.transports.signal_text import utf16_len
from tests.harness import START
from tests.signal_peer import BOT_ACI, BOT_NUMBER, GROUP_ID, FakeSignalCli, envelope

MOD_GROUP = "bW9kLWdyb3VwLWVudHJhaWRlLTAwMDAwMDAwMDAwMDA="


def aci(name: str) -> str:
    return str(uuidlib.uuid5(uuidlib.NAMESPACE_DNS, f"{name}.example"))


def signal_config(**signal: Any) -> Config:
    data = {"account": BOT_NUMBER, "socket": "unused", "group": GROUP_ID, **signal}
    return parse_config({"signal": data})


class SignalSim:
    """Members write in the group or in private; the test reads what the fake daemon was asked to send."""

    def __init__(self, tmp: Path, config: Config | None = None) -> None:
        self.tmp = tmp
        self.config = config or signal_config()
        self.peer = FakeSignalCli(tmp / "signal-cli.sock")
        self.clock = SimulatedClock(datetime.fromisoformat(START))
        self.server: SignalServer = None  # type: ignore[assignment]
        self._stamp = 1_764_500_000_000

    async def open(self, members: list[str] = ()) -> SignalSim:
        for name in members:
            self.peer.members.append({"uuid": aci(name), "number": None})
        await self.peer.start()
        rpc = SignalRpc(Endpoint(socket=self.peer.path), backoff_start=0.01, backoff_max=0.05, timeout=10)
        self.server = await open_signal(self.config, self.tmp / "community.sqlite", self.clock, rpc)
        await self.server.engine.start()
        await rpc.connect()
        await self.reconciled(1)
        return self

    async def close(self) -> None:
        await self.server.rpc.close()
        await self.server.engine.close()
        await self.peer.stop()

    @property
    def ctx(self) -> Any:
        return self.server.engine.ctx

    async def reconciled(self, count: int) -> None:
        for _ in range(500):
            if self.server.reconciles >= count and not self.server._reconcile_lock.locked():
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"no reconcile #{count}")

    def stamp(self) -> int:
        self._stamp += 1000
        return self._stamp

    async def receive(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Push one notification and let the bot handle it; what it sent meanwhile."""
        mark = len(self.peer.sent)
        await self.peer.notify(params)
        note = await asyncio.wait_for(self.server.rpc.notifications.get(), 5)
        await self.server.handle_notification(note)
        await self.server.engine.deliver()
        return self.peer.sent[mark:]

    async def say(self, name: str, text: str, *, dm: bool = False, mentions: list[tuple[int, str]] = (),
                  display: str | None = None) -> list[dict[str, Any]]:
        """A member writes; `mentions` are (UTF-16 offset of the placeholder, mentioned member's name)."""
        marks = [{"uuid": aci(who), "start": start, "length": 1} for start, who in mentions]
        return await self.receive(envelope(aci(name), display or name.capitalize(), text=text, timestamp=self.stamp(),
                                           group=None if dm else GROUP_ID, mentions=marks))

    async def react(self, name: str, emoji: str, target: int, dm: bool = False) -> list[dict[str, Any]]:
        reaction = {"emoji": emoji, "targetAuthor": BOT_ACI, "targetAuthorNumber": BOT_NUMBER,
                    "targetAuthorUuid": BOT_ACI, "targetSentTimestamp": target, "isRemove": False}
        return await self.receive(envelope(aci(name), name.capitalize(), timestamp=self.stamp(), reaction=reaction,
                                           group=None if dm else GROUP_ID))

    async def join(self, name: str) -> list[dict[str, Any]]:
        """Someone is added to the group: Signal sends a group UPDATE, the bot reads the members again."""
        self.peer.members.append({"uuid": aci(name), "number": None, "name": name.capitalize()})
        return await self.receive(envelope(aci("admin"), "Admin", timestamp=self.stamp(), group_type="UPDATE"))

    async def leave(self, name: str) -> list[dict[str, Any]]:
        self.peer.members = [m for m in self.peer.members if m["uuid"] != aci(name)]
        return await self.receive(envelope(aci("admin"), "Admin", timestamp=self.stamp(), group_type="UPDATE"))

    async def advance(self, **delta: float) -> list[dict[str, Any]]:
        from datetime import timedelta

        mark = len(self.peer.sent)
        await self.server.engine.activity.flush()
        await self.server.engine.scheduler.advance_to(self.clock.now() + timedelta(**delta))
        await self.server.engine.deliver()
        return self.peer.sent[mark:]


def mention_with(text_before: str) -> int:
    """The UTF-16 offset of a placeholder written right after `text_before`."""
    return utf16_len(text_before)

