"""The console transport: the whole bot against a simulated server, driven by JSON lines or a REPL.

It is a transport like Discord: it turns input lines into Engine calls and prints what the outbox
delivers. Time moves only through `advance` (see CONSOLE_PROTOCOL.md). Reading, parsing and writing the
lines is bot/transports/console_protocol.py; the human REPL is bot/transports/console_repl.py; the
lines it prints are bot/transports/console_output.py; its roster and setup checks are
bot/transports/console_platform.py.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.app import Engine
from bot.clock import SimulatedClock, to_epoch
from bot.commands.registry import Actor, Reply
from bot.config import CommunityEntry
from bot.context import Community
from bot.mentions import neutralize
from bot.transports.console_output import ConsoleOutput
from bot.transports.console_platform import ConsolePlatform
from bot.transports.console_protocol import (
    ProtocolError,
    language_of,
    optional_bool,
    optional_strings,
    parse_duration,
    parse_instant,
    run_jsonl,
    shown,
    write_json_line,
)
from storage import console_server
from storage import members as members_repo
from storage.database import is_url

EVENT_TYPES = ("join", "leave", "message", "command", "click", "roles", "advance")
MAX_ADVANCE = timedelta(days=800)


class ConsoleServer(ConsoleOutput, ConsolePlatform):
    """The simulated server: prints deliveries through `emit` and holds the engine."""

    def __init__(self, emit: Callable[[dict[str, Any]], None], human: bool = False) -> None:
        self.emit = emit
        self.engine: Engine | None = None
        self.human = human  # the REPL (`:join alice`), else the JSON-lines protocol

    def engine_for(self, event: dict[str, Any]) -> Engine:
        """The engine an input is for: its `community` (a network's id), else the first."""
        assert self.engine is not None
        if event.get("community") is None:  # absent or null: the first community
            return self.engine
        wanted = event["community"]
        engine = self.engine.for_community(wanted) if isinstance(wanted, str) else None
        if engine is None:
            known = ", ".join(e.ctx.id for e in self.engine.engines)
            raise ProtocolError("unknown_community", community=shown(wanted, 40), known=known)
        return engine

    # Events ----------------------------------------------------------------------------------

    async def actor(self, user: str, name: str | None = None, engine: Engine | None = None) -> Actor:
        assert self.engine is not None
        engine = engine or self.engine
        roles = await engine.roles_of(user)
        ctx = engine.ctx
        # What the platform knows of them: their client's language (as Discord's interaction locale; kept
        # only where the bot knows none, so an animator's first `setup adopt` is answered in it), and, for
        # someone on the server before the bot who never joined under its eyes, since when.
        locale, joined_before = await console_server.join_of(ctx.db.reader, ctx.guild_id, user)
        member = await members_repo.by_platform_id(ctx.db.reader, ctx.guild_id, user)
        if member is not None and member.locale:
            locale = None
        return Actor(platform_id=user, handle=name or user, locale=locale, roles=roles, joined_before=joined_before)

    async def handle(self, event: Any) -> None:
        """One input event; raises ProtocolError for lines that are not a known event."""
        assert self.engine is not None
        if not isinstance(event, dict) or event.get("type") not in EVENT_TYPES:
            raise ProtocolError("unknown_event", types=", ".join(EVENT_TYPES))
        kind = event["type"]
        engine = self.engine
        if kind == "advance":
            for each in engine.engines:
                await each.activity.flush()
            target = self._advance_target(event)
            await engine.scheduler.advance_to(target)
            return
        try:
            engine = self.engine_for(event)
        except ProtocolError:
            await self._unknown_community(event)
            raise
        ctx = engine.ctx
        user = event.get("user")
        if not isinstance(user, str) or not user.strip() or len(user) > 100:
            raise ProtocolError("needs_user")
        known = await console_server.member_user(engine.ctx.db.reader, engine.ctx.guild_id, user)
        if known is None and kind in ("command", "click") and event.get("community") is None:
            engine, known = await self._home_of(user, engine)
            ctx = engine.ctx
        user = known or user  # `Nina` is the member `nina`, never a second one
        if kind in ("command", "click") and known is None:
            self.print_reply(user, self.not_joined(user, ctx, await self._locale_of(user)), ctx)
        elif kind == "message":
            await engine.message_seen(user)
        elif kind == "join":
            name = event.get("name") if isinstance(event.get("name"), str) else None
            locale = language_of(event.get("locale"))
            dms_closed = optional_bool(event, "dms_closed")
            before = self._joined_before(event, ctx)
            if await self._still_here(ctx, user):
                # Already on the server (no `leave` since): nothing to join, no second welcome; a new
                # name is a rename, as the platform would tell it.
                if name:
                    await engine.member_renamed(user, name)
                return
            async with engine.ctx.db.transaction() as tx:
                await console_server.set_dms_closed(tx, engine.ctx.guild_id, user, bool(dms_closed))
                await console_server.record_join(tx, engine.ctx.guild_id, user, (name or user)[:100], locale,
                                                 to_epoch(before or engine.ctx.now()))
            if before is None:  # on the server before the bot: `setup adopt` makes them members
                await engine.member_joined(user, (name or user)[:100], locale)
        elif kind == "leave":
            async with engine.ctx.db.transaction() as tx:
                await console_server.record_leave(tx, engine.ctx.guild_id, user)
            await engine.member_left(user)
        elif kind == "roles":
            add, remove = optional_strings(event, "add"), optional_strings(event, "remove")
            await engine.roles_changed(user, user, add, remove)
        elif kind == "command" and "command" not in event and isinstance(event.get("text"), str):
            reply = await engine.text_command(await self.actor(user, engine=engine), event["text"])
            self.print_reply(user, reply, ctx)
        elif kind == "command":
            reply = await engine.command(await self.actor(user, engine=engine), str(event.get("command", "")),
                                         event.get("options") or {})
            self.print_reply(user, reply, ctx)
        elif kind == "click":
            values = event.get("values")
            reply = await engine.click(await self.actor(user, engine=engine), str(event.get("custom_id", "")),
                                       values if isinstance(values, list) else None)
            self.print_reply(user, reply, ctx)
        await engine.deliver()

    async def _unknown_community(self, event: dict[str, Any]) -> None:
        """A command or click for a community the network does not have: its one reply (refused, nothing
        done) in the person's language, before the line's `protocol_error`."""
        assert self.engine is not None
        user = event.get("user")
        if event["type"] not in ("command", "click") or not isinstance(user, str) or not user.strip():
            return
        known = ", ".join(e.ctx.id for e in self.engine.engines)
        text = self.engine.ctx.t(await self._locale_of(user), "parser.unknown_community",
                                 community=neutralize(str(event["community"])[:40]), known=known)
        self.print_reply(user[:100], Reply(ok=False, error="invalid_input", data={}, text=text))

    async def _locale_of(self, user: str) -> str | None:
        """The person's language, from any place of the network they joined (None: the place's)."""
        assert self.engine is not None
        for engine in self.engine.engines:
            member = await members_repo.by_platform_id(engine.ctx.db.reader, engine.ctx.guild_id, user)
            if member is not None and member.locale:
                return member.locale
        return None

    async def _home_of(self, user: str, first: Engine) -> tuple[Engine, str | None]:
        """A command or click naming no community, from someone who is not on the first one's server: the
        first community they joined (as a click in a Discord DM), else the first community."""
        for engine in first.engines[1:]:
            known = await console_server.member_user(engine.ctx.db.reader, engine.ctx.guild_id, user)
            if known is not None:
                return engine, known
        return first, None

    async def _still_here(self, ctx: Community, user: str) -> bool:
        """On the simulated server and a member, not left nor erased since: a `join` has nothing to do."""
        if not await console_server.is_present(ctx.db.reader, ctx.guild_id, user):
            return False
        member = await members_repo.by_platform_id(ctx.db.reader, ctx.guild_id, user)
        return member is not None and member.left_at is None and not member.erased

    def not_joined(self, user: str, ctx: Community | None = None, locale: str | None = None) -> Reply:
        """A command from someone the simulated server has never seen: `join` first, nothing created."""
        assert self.engine is not None
        ctx = ctx or self.engine.ctx
        return Reply(ok=False, error="not_eligible", data={},
                     text=ctx.t(locale, "parser.not_joined", user=user[:100], join=self.join_line(user[:100])))

    def join_line(self, user: str) -> str:
        """The `join` this person would type, in the console's own input: a REPL line or a JSON line."""
        if self.human:
            return f":join {user}"
        return json.dumps({"type": "join", "user": user}, ensure_ascii=False)

    def _joined_before(self, event: dict[str, Any], ctx: Community) -> datetime | None:
        """`joined_at`: a member who was on the server before the bot (never later than now)."""
        if event.get("joined_at") is None:
            return None
        when = parse_instant(event["joined_at"], ctx.tz)
        return min(when, ctx.now())
    def _advance_target(self, event: dict[str, Any]) -> datetime:
        assert self.engine is not None
        now = self.engine.ctx.now()
        if "by" in event and "until" in event:
            raise ProtocolError("advance_both")
        if "by" in event:
            delta = parse_duration(event["by"])
            if delta > MAX_ADVANCE:
                raise ProtocolError("advance_by_max")
            return now + delta
        if "until" in event:
            target = parse_instant(event["until"], self.engine.ctx.tz)
            if target - now > MAX_ADVANCE:  # the same bound as `by`: a far date would walk for hours
                raise ProtocolError("advance_until_max")
            return max(target, now)
        raise ProtocolError("advance_needs")


async def run_console(
    config: Any, db_path: str, start: datetime, jsonl: bool, stdout: TextIO | None = None,
    dashboard_port: int | None = None, serves: Callable[[CommunityEntry], bool] | None = None,
) -> None:
    """The simulated server(s) on stdin/stdout; `serves`: the network's communities this console serves
    (`--communities`; the others' inputs are refused as unknown, their outbox rows left to their process)."""
    from bot.transports.console_repl import print_human, run_repl  # the human REPL imports this module

    out = stdout or sys.stdout
    if jsonl:
        server = ConsoleServer(lambda obj: write_json_line(out, obj))
    else:
        # next to the database: kept after the session (a PostgreSQL database has no folder: here)
        pictures = (Path.cwd() if is_url(db_path) else Path(db_path).resolve().parent) / "pictures"
        server = ConsoleServer(lambda obj: print_human(out, obj, pictures), human=True)
    clock = SimulatedClock(start)
    engine = await Engine.open(config, db_path, clock, server, serves=serves)
    server.engine = engine
    web = None
    try:
        await engine.start()
        if dashboard_port is not None or config.dashboard.enabled:
            from bot.web.server import start_dashboard

            web = await start_dashboard(engine.ctx, port=dashboard_port)
            print(f"dashboard: {web.url} (the `dashboard` command gives animators a sign-in link)",
                  file=sys.stderr, flush=True)
        if jsonl:
            await run_jsonl(server, engine)
        else:
            await run_repl(server, engine)
    finally:
        if web is not None:
            await web.stop()
        await engine.close()
