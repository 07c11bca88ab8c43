"""The community's Discord server as the setup service sees it: its members, and what the bot may do there.

`DiscordServer` is the Discord side of `bot.services.setup.ServerPlatform`: it lists the server's
members for `setup adopt` and looks at every configured channel and role for `setup check`. The rules
(who is adopted, what is posted) stay in the service.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import discord

from bot.clock import to_epoch
from bot.context import Community
from bot.services.setup import Finding, ServerMember

if TYPE_CHECKING:
    from cogs.bot import EntraideBot

log = logging.getLogger(__name__)
CHUNK_TIMEOUT_SECONDS = 300  # a server of 100,000 members comes in 100 chunks


def server_member(member: discord.Member) -> ServerMember:
    """A Discord member as the setup service takes it: display name, join date, role names and ids."""
    roles = frozenset(token for role in member.roles if not role.is_default() for token in (role.name, str(role.id)))
    locale = str(member.guild.preferred_locale.value) if member.guild.preferred_locale else None
    return ServerMember(
        platform_id=str(member.id), name=member.display_name,
        joined_at=to_epoch(member.joined_at) if member.joined_at else None,
        roles=roles, locale=locale, bot=member.bot,
    )


def channel_by_ref(
    guild: discord.Guild, ref: str, forum: bool = False,
) -> discord.TextChannel | discord.ForumChannel | None:
    """A configured channel: its id, or its name (as `[channels]` in the config says); with `forum`, a
    forum channel too (the help desk may be one)."""
    kinds: tuple[type, ...] = (discord.TextChannel, discord.ForumChannel) if forum else (discord.TextChannel,)
    if ref.isdigit():
        channel = guild.get_channel(int(ref))
        return channel if isinstance(channel, kinds) else None
    name = ref.lstrip("#")
    candidates = [*guild.text_channels, *(guild.forums if forum else [])]
    return next((c for c in candidates if c.name == name), None)


def role_by_ref(guild: discord.Guild, ref: str) -> discord.Role | None:
    return guild.get_role(int(ref)) if ref.isdigit() else discord.utils.get(guild.roles, name=ref)


def bot_role_name(guild: discord.Guild) -> str:
    """The role Discord gave the bot when it was invited (else its highest role)."""
    me = guild.me
    role = guild.self_role or (me.top_role if me is not None else None)
    return role.name if role is not None and not role.is_default() else "@entraide"


def guild_findings(ctx: Community, guild: discord.Guild) -> list[Finding]:
    """Every configured channel and role, and the server-wide rights, checked against the bot's permissions."""
    me = guild.me
    bot_role = bot_role_name(guild)
    params = {"bot_role": bot_role}
    channels = ctx.config.channels
    findings: list[Finding] = []
    wanted = {
        channels.welcome: (), channels.help_requests: ("channel_threads",), channels.general: ("channel_attach",),
        channels.mod_log: (), channels.animators: (),
    }
    for ref, extra in wanted.items():
        channel = channel_by_ref(guild, ref, forum=ref == channels.help_requests)
        name = channel.name if channel is not None else ref
        if channel is None or me is None:
            findings.append(Finding("channel", ref, "channel_exists", False, "create_channel", params))
            continue
        perms = channel.permissions_for(me)
        findings.append(Finding("channel", ref, "channel_exists", True, None, {**params, "name": name}))
        findings.append(Finding("channel", ref, "channel_view", perms.view_channel, "allow_view",
                                {**params, "name": name}))
        if not perms.view_channel:
            continue  # nothing else can work there, and Discord reports the rest as allowed
        if isinstance(channel, discord.ForumChannel):
            findings.extend(forum_findings(ctx, channel, perms, {**params, "name": name}))
            continue
        findings.append(Finding("channel", ref, "channel_send", perms.send_messages, "allow_send",
                                {**params, "name": name}))
        for check in extra:
            ok = (perms.create_public_threads and perms.send_messages_in_threads) if check == "channel_threads" \
                else perms.attach_files
            fix = "allow_threads" if check == "channel_threads" else "allow_attach"
            findings.append(Finding("channel", ref, check, ok, fix, {**params, "name": name}))
    manage_roles = bool(me is not None and me.guild_permissions.manage_roles)
    roles = ctx.config.roles
    for ref in dict.fromkeys((roles.member, roles.member_of_the_month)):
        role = role_by_ref(guild, ref)
        if role is None:
            findings.append(Finding("role", ref, "role_exists", False, "create_role", params))
            continue
        findings.append(Finding("role", ref, "role_exists", True, None, {**params, "name": role.name}))
        if not manage_roles:
            findings.append(Finding("role", ref, "role_manage", False, "grant_manage_roles",
                                    {**params, "name": role.name}))
        else:
            below = me is not None and role < me.top_role
            findings.append(Finding("role", ref, "role_manage", below, "move_bot_role", {**params, "name": role.name}))
    for ref in roles.animators:
        role = role_by_ref(guild, ref)
        findings.append(Finding("role", ref, "animator_role_exists", role is not None, "create_role",
                                {**params, "name": role.name if role is not None else ref}))
    moderate = bool(me is not None and me.guild_permissions.moderate_members)
    findings.append(Finding("server", "", "server_moderate", moderate, "grant_moderate", params))
    events = bool(me is not None and (me.guild_permissions.create_events or me.guild_permissions.manage_events))
    findings.append(Finding("server", "", "server_events", events, "grant_events", params))
    return findings


def forum_findings(
    ctx: Community, forum: discord.ForumChannel, perms: discord.Permissions, params: dict[str, str],
) -> list[Finding]:
    """A forum help desk: posts (Create Posts, Send Messages in Posts), tags (Manage Channels, room left)."""
    from cogs.forum import MAX_TAGS, find_tag

    ref = ctx.config.channels.help_requests
    posts = perms.send_messages and perms.send_messages_in_threads
    findings = [
        Finding("channel", ref, "forum_posts", posts, "allow_forum_posts", params),
        Finding("channel", ref, "forum_tags", perms.manage_channels, "allow_forum_tags", params),
    ]
    resolved = ctx.t(ctx.locale, "requests.forum_resolved_tag")
    full = len(forum.available_tags) >= MAX_TAGS - (0 if find_tag(forum, resolved) is not None else 1)
    findings.append(Finding("channel", ref, "forum_tag_room", not full, "forum_full",
                            {**params, "tags": str(len(forum.available_tags)), "max": str(MAX_TAGS)}))
    return findings


class DiscordServer:
    """`ServerPlatform` for the community's guild, through the running bot's cache."""

    mirrors_events = True  # events are shown as Scheduled Events too (cogs/calendar.py)

    def __init__(self, bot: EntraideBot, guild_key: str | None = None) -> None:
        self.bot = bot
        self.guild_key = guild_key  # the community's server (None: the first community's)

    async def server_members(self) -> AsyncIterator[ServerMember]:
        guild = self.bot.community_guild(self.guild_key)
        if guild is None:
            return
        if not guild.chunked:  # the gateway sends every member on request (members intent)
            try:
                await asyncio.wait_for(guild.chunk(cache=True), timeout=CHUNK_TIMEOUT_SECONDS)
            except (TimeoutError, discord.HTTPException, discord.ClientException):
                log.info("could not load the member list from Discord; using the members already seen",
                         exc_info=True)
        for member in list(guild.members):
            yield server_member(member)

    async def setup_findings(self, ctx: Community) -> list[Finding]:
        guild = self.bot.community_guild(self.guild_key)
        if guild is None:
            return [Finding("channel", ref, "channel_exists", False, "create_channel", {"bot_role": "@entraide"})
                    for ref in (ctx.config.channels.mod_log,)]
        return guild_findings(ctx, guild)


class FetchedServer:
    """`ServerPlatform` for `entraide adopt`: members fetched once over HTTP, no gateway."""

    def __init__(self, members: list[discord.Member]) -> None:
        self.members = members

    async def server_members(self) -> AsyncIterator[ServerMember]:
        for member in self.members:
            yield server_member(member)

    async def setup_findings(self, ctx: Community) -> list[Finding]:
        return []
