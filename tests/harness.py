"""An in-process community for tests: the real engine and console transport on a real SQLite
file with the simulated clock; outputs are the console protocol's objects (errbot-style queue)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from bot.app import Engine
from bot.clock import SimulatedClock
from bot.config import Config, parse_config
from bot.transports.console import ConsoleServer
from bot.transports.console_protocol import ProtocolError
from storage.database import is_url

START = "2026-12-01T09:00:00+01:00"  # a Tuesday, Europe/Paris


class Sim:
    """Drive the bot like the console does: events in, protocol objects out."""

    def __init__(self, db: Path | str, config: Config | None = None, start: str = START) -> None:
        self.db = db if isinstance(db, str) and is_url(db) else Path(db)  # a file, or postgresql://
        self.config, self.start_at = config or Config(), start
        self.outputs: list[dict[str, Any]] = []
        self.last: list[dict[str, Any]] = []
        self.engine: Engine | None = None
        self.server = ConsoleServer(self.outputs.append)

    @property
    def ctx(self):  # noqa: ANN201 - the engine's Community
        assert self.engine is not None
        return self.engine.ctx

    async def open(self, start: str | None = None) -> Sim:
        clock = SimulatedClock(datetime.fromisoformat(start or self.start_at))
        self.engine = await Engine.open(self.config, self.db, clock, self.server)
        self.server.engine = self.engine
        mark = len(self.outputs)
        await self.engine.start()
        self.startup = self.outputs[mark:]
        return self

    async def close(self) -> None:
        if self.engine is not None:
            await self.engine.close()
            self.engine = None

    async def crash(self) -> None:
        """Stop without flushing anything (what a kill leaves behind is what the file holds)."""
        if self.engine is not None:
            self.engine.scheduler.stop_alarm()
            await self.engine.ctx.db.close()
            if self.engine.lock:
                self.engine.lock.release()
            self.engine = None

    async def restart(self, start: str | None = None, crash: bool = False) -> Sim:
        now = self.ctx.now().isoformat()
        await (self.crash() if crash else self.close())
        return await self.open(start or now)

    async def send(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        mark = len(self.outputs)
        try:
            await self.server.handle(event)
        except ProtocolError as exc:
            self.server.out({"type": "protocol_error", "text": str(exc)})
        self.last = self.outputs[mark:]
        return self.last

    async def join(self, user: str, locale: str = "fr", **extra: Any) -> list[dict[str, Any]]:
        return await self.send({"type": "join", "user": user, "locale": locale, **extra})

    async def command(self, user: str, command: str, /, **options: Any) -> dict[str, Any]:
        outs = await self.send({"type": "command", "user": user, "command": command, "options": options})
        replies = [o for o in outs if o["type"] == "reply"]
        assert len(replies) == 1, outs
        return replies[0]

    async def click(self, user: str, custom_id: str, values: list[str] | None = None) -> dict[str, Any]:
        event: dict[str, Any] = {"type": "click", "user": user, "custom_id": custom_id}
        if values is not None:
            event["values"] = values
        outs = await self.send(event)
        replies = [o for o in outs if o["type"] == "reply"]
        assert len(replies) == 1, outs
        return replies[0]

    async def advance(self, by: str | None = None, until: str | None = None) -> list[dict[str, Any]]:
        return await self.send({"type": "advance", **({"by": by} if by else {"until": until})})

    async def roles(self, user: str, add: list[str] | None = None, remove: list[str] | None = None) -> None:
        await self.send({"type": "roles", "user": user, "add": add or [], "remove": remove or []})

    async def onboard(self, user: str, locale: str = "fr", **profile: Any) -> None:
        """Join, accept the charter and, if given, fill the profile."""
        await self.join(user, locale)
        reply = await self.click(user, "charter:accept")
        assert reply["ok"], reply
        if profile:
            reply = await self.command(user, "profile set", **profile)
            assert reply["ok"], reply


def of(outs: list[dict[str, Any]], type_: str | None = None, **match: Any) -> list[dict[str, Any]]:
    """Outputs of a type whose fields equal `match`."""
    return [o for o in outs if (type_ is None or o.get("type") == type_)
            and all(o.get(k) == v for k, v in match.items())]


def config_with(**sections: dict[str, Any]) -> Config:
    return parse_config(sections)
