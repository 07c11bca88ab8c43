"""The simulated server as the setup service sees it: its members and what the bot may do there.

Split from bot/transports/console.py; `ConsoleServer` inherits `ConsolePlatform`.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from bot.context import Community
from bot.services.setup import Finding, ServerMember
from storage import console_server

if TYPE_CHECKING:
    from bot.app import Engine


class ConsolePlatform:
    """The roster and the setup checks of the simulated server(s)."""

    engine: Engine | None

    def platform_for(self, ctx: Community) -> ConsoleCommunity:
        """One community's simulated server, as the setup service sees it (bot/app.py)."""
        return ConsoleCommunity(self, ctx)

    async def server_members(self, ctx: Community | None = None) -> AsyncIterator[ServerMember]:
        assert self.engine is not None
        ctx = ctx or self.engine.ctx
        for user, name, locale, joined_at, roles in await console_server.roster(ctx.db.reader, ctx.guild_id):
            yield ServerMember(platform_id=user, name=name, joined_at=joined_at,
                               roles=frozenset(r for r in roles.split("\n") if r), locale=locale)

    async def setup_findings(self, ctx: Community) -> list[Finding]:
        """The simulated server has every channel and role the config names, and the bot may do anything
        there; a channel given as a Discord id is the one thing it does not create."""
        channels = ctx.config.channels
        findings: list[Finding] = []
        for ref, extra in ((channels.welcome, ()), (channels.help_requests, ("channel_threads",)),
                           (channels.general, ("channel_attach",)), (channels.mod_log, ()),
                           (channels.animators, ())):
            if ref.isdigit():
                findings.append(Finding("channel", ref, "channel_exists", False, "console_channel"))
                continue
            for check in ("channel_exists", "channel_view", "channel_send", *extra):
                findings.append(Finding("channel", ref, check, True))
        roles = ctx.config.roles
        for role in dict.fromkeys((roles.member, roles.member_of_the_month)):
            findings += [Finding("role", role, "role_exists", True), Finding("role", role, "role_manage", True)]
        for role in roles.animators:
            findings.append(Finding("role", role, "animator_role_exists", True))
        findings.append(Finding("server", "", "server_moderate", True))
        return findings


class ConsoleCommunity:
    """One community of the simulated network, as the setup service sees it (its members, its checks)."""

    def __init__(self, server: ConsolePlatform, ctx: Community) -> None:
        self.server, self.ctx = server, ctx

    async def server_members(self) -> AsyncIterator[ServerMember]:
        async for member in self.server.server_members(self.ctx):
            yield member

    async def setup_findings(self, ctx: Community) -> list[Finding]:
        return await self.server.setup_findings(ctx)

