"""The real bot under discord.py: dpytest's fake server for events, gateway-shaped interactions for commands.

dpytest has no interactions, so `DiscordSim.command` and `DiscordSim.click` build `INTERACTION_CREATE`
payloads and hand them to discord.py's own state (`parse_interaction_create`): the real command tree,
option conversion, checks and DynamicItem dispatch run. Responses are recorded by replacing the
webhook adapter; the engine's Replies are recorded by a spy so `data` fields can be checked too.
"""
from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import discord
import discord.ext.test as dpytest
import pytest
from discord import app_commands
from discord.ext.test import backend as dpy_backend
from discord.ext.test import factories
from discord.webhook import async_ as webhook_async

from bot.clock import SimulatedClock
from bot.commands.registry import Actor, Reply
from bot.config import Config
from cogs.bot import EntraideBot

START = "2026-12-01T09:00:00+01:00"
CHANNELS = ["welcome", "help-requests", "general", "mod-log", "animators"]
_ids = itertools.count(1)


@dataclass
class Response:
    """One interaction callback or follow-up as Discord would have received it."""

    kind: str  # "callback", "followup" or "edit"
    type: int | None
    data: dict[str, Any]
    files: list[discord.File] = field(default_factory=list)

    @property
    def content(self) -> str:
        return str(self.data.get("content") or "")

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.data.get("flags") or 0) & 64)

    @property
    def custom_ids(self) -> list[str]:
        ids = []
        for row in self.data.get("components") or []:
            for comp in row.get("components", []):
                ids.append(comp.get("custom_id"))
        return ids


class RecordingAdapter(webhook_async.AsyncWebhookAdapter):
    """Interaction responses land here instead of going to Discord's HTTP API."""

    def __init__(self) -> None:
        super().__init__()
        self.responses: list[Response] = []

    async def create_interaction_response(self, interaction_id: int, token: str, *, params: Any,
                                          **_: Any) -> dict[str, Any]:
        payload = params.payload or {}
        if params.files and params.multipart:
            import json

            payload = json.loads(params.multipart[0]["value"])
        self.responses.append(Response("callback", payload.get("type"), payload.get("data") or {},
                                       list(params.files or [])))
        return {"interaction": {"id": str(interaction_id), "type": 2}}

    async def edit_original_interaction_response(
        self, application_id: int, token: str, *, payload: dict[str, Any] | None = None, multipart: Any = None,
        files: Any = None, **_: Any,
    ) -> dict[str, Any]:
        """An edit of the first answer (e.g. progress shown while a long command runs)."""
        return await self._message("edit", application_id, payload, multipart, files)

    async def execute_webhook(self, webhook_id: int, token: str, *, payload: dict[str, Any] | None = None,
                              multipart: Any = None, files: Any = None, **_: Any) -> dict[str, Any]:
        return await self._message("followup", webhook_id, payload, multipart, files)

    async def _message(self, kind: str, webhook_id: int, payload: dict[str, Any] | None, multipart: Any,
                       files: Any) -> dict[str, Any]:
        if multipart:
            import json

            payload = json.loads(multipart[0]["value"])
        self.responses.append(Response(kind, None, payload or {}, list(files or [])))
        return {
            "id": str(10**17 + next(_ids)), "channel_id": "1", "webhook_id": str(webhook_id), "type": 0,
            "author": {"id": str(webhook_id), "username": "entraide", "discriminator": "0", "avatar": None},
            "content": (payload or {}).get("content", ""), "timestamp": "2026-12-01T08:00:00+00:00",
            "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": [], "embeds": [], "pinned": False, "flags": (payload or {}).get("flags", 0),
        }


@dataclass
class Call:
    name: str
    options: dict[str, Any] | None
    actor: Actor
    reply: Reply


class DiscordSim:
    """A dpytest server ("Entraide") with the configured channels and roles, and the bot on it."""

    def __init__(self, bot: EntraideBot, adapter: RecordingAdapter) -> None:
        self.bot = bot
        self.adapter = adapter
        self.calls: list[Call] = []
        cfg = dpytest.get_config()
        self.guild: discord.Guild = cfg.guilds[0]
        self.members: dict[str, discord.Member] = {m.name: m for m in cfg.members}
        self.roles: dict[str, discord.Role] = {}

    @property
    def engine(self):  # noqa: ANN201
        return self.bot.engine

    def channel(self, name: str) -> discord.TextChannel:
        found = discord.utils.get(self.guild.text_channels, name=name)
        assert found is not None, name
        return found

    def add_role(self, name: str, **permissions: bool) -> discord.Role:
        perms = discord.Permissions(**permissions)
        role = dpy_backend.make_role(name, self.guild, permissions=perms.value)
        self.roles[name] = role
        return role

    def give_role(self, member: discord.Member, role: discord.Role) -> None:
        roles = [role] + [r for r in member.roles if not r.is_default() and r != role]
        dpy_backend.update_member(member, roles=roles)

    async def adopt(self, *members: discord.Member) -> None:
        """Members already on the server, charter accepted (as `setup adopt` leaves them): no messages."""
        from bot.services.members import ensure_member
        from storage import onboarding as onboarding_repo

        ctx = self.engine.ctx
        async with ctx.db.transaction() as tx:
            for member in members:
                row = await ensure_member(tx, ctx, str(member.id), member.name)
                await onboarding_repo.accept_charter(tx, row.id, ctx.now_ts())

    def spy_engine(self) -> None:
        """Record every Reply the engine gives, with the options the cog parsed."""
        engine = self.bot.engine
        command, click = engine.command, engine.click

        async def spy_command(actor: Actor, name: str, options: dict[str, Any] | None) -> Reply:
            reply = await command(actor, name, options)
            self.calls.append(Call(name, options, actor, reply))
            return reply

        async def spy_click(actor: Actor, custom_id: str, values: list[str] | None = None) -> Reply:
            reply = await click(actor, custom_id, values)
            self.calls.append(Call(custom_id, {"values": values}, actor, reply))
            return reply

        engine.command = spy_command  # type: ignore[method-assign]
        engine.click = spy_click  # type: ignore[method-assign]

    # Interactions ------------------------------------------------------------------------------

    def _member_payload(self, member: discord.Member) -> dict[str, Any]:
        return {
            "user": factories.dict_from_user(member._user),
            "nick": member.nick,
            "roles": [str(r.id) for r in member.roles if not r.is_default()],
            "joined_at": (member.joined_at or datetime.now()).isoformat(),
            "deaf": False, "mute": False, "flags": 0,
            "permissions": str(member.guild_permissions.value),
        }

    def _base(self, kind: int, user: discord.Member, locale: str, dm: bool = False) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": str(10**17 + next(_ids)), "application_id": str(self.bot.user.id if self.bot.user else 1),
            "type": kind, "token": f"token-{next(_ids)}", "version": 1, "locale": locale,
            "attachment_size_limit": 8 * 1024 * 1024, "app_permissions": "0", "entitlements": [],
            "authorizing_integration_owners": {}, "context": 1 if dm else 0,
        }
        if dm:
            payload["user"] = factories.dict_from_user(user._user)
            payload["channel_id"] = str(10**17 + next(_ids))
            payload["channel"] = {"id": payload["channel_id"], "type": 1}
        else:
            channel = self.channel("general")
            payload.update({
                "guild_id": str(self.guild.id), "guild_locale": "fr", "member": self._member_payload(user),
                "channel_id": str(channel.id),
                "channel": {"id": str(channel.id), "type": 0, "guild_id": str(self.guild.id), "name": channel.name},
            })
        return payload

    def find_command(self, path: str) -> app_commands.Command[Any, ..., Any]:
        """A command by its engine name (`motm open` is `/motm-admin open` on Discord) or its slash path."""
        from bot.commands.hints import SLASH_PATHS

        parts = SLASH_PATHS.get(path, path).split()
        found = self.bot.tree.get_command(parts[0])
        for part in parts[1:]:
            assert isinstance(found, app_commands.Group), path
            found = found.get_command(part)
        assert isinstance(found, app_commands.Command), path
        return found

    def _option(self, param: app_commands.Parameter, value: Any, resolved: dict[str, Any]) -> dict[str, Any]:
        kind = param.type
        if isinstance(value, discord.Member):
            resolved.setdefault("users", {})[str(value.id)] = factories.dict_from_user(value._user)
            member = self._member_payload(value)
            member.pop("user")
            resolved.setdefault("members", {})[str(value.id)] = member
            value = str(value.id)
        elif isinstance(value, discord.TextChannel):
            resolved.setdefault("channels", {})[str(value.id)] = {
                "id": str(value.id), "name": value.name, "type": 0, "permissions": "0",
                "guild_id": str(self.guild.id),
            }
            value = str(value.id)
        return {"name": param.name, "type": kind.value, "value": value}

    async def command(self, user: discord.Member, path: str, locale: str = "fr", **options: Any) -> list[Response]:
        """Run `/path option=value …` as `user` through discord.py; return the responses it produced."""
        cmd = self.find_command(path)
        params = {p.name: p for p in cmd.parameters}
        resolved: dict[str, Any] = {}
        opts = [self._option(params[name], value, resolved) for name, value in options.items()]
        data: dict[str, Any] = {"id": str(10**17 + next(_ids)), "type": 1, "resolved": resolved}
        if cmd.parent is None:
            data.update(name=cmd.name, options=opts)
        else:  # a subcommand of a group (/profile set): one level of nesting
            data.update(name=cmd.parent.name, options=[{"type": 1, "name": cmd.name, "options": opts}])
        payload = self._base(2, user, locale)
        payload["data"] = data
        return await self._dispatch(payload)

    async def autocomplete(self, user: discord.Member, path: str, option: str, typed: str | int,
                           locale: str = "fr", **options: Any) -> list[dict[str, Any]]:
        """Type `typed` in `option` of `/path` (other options already filled): Discord's autocomplete
        interaction through the real tree; returns the choices the bot answered."""
        cmd = self.find_command(path)
        params = {p.name: p for p in cmd.parameters}
        resolved: dict[str, Any] = {}
        opts = [self._option(params[name], value, resolved) for name, value in options.items()]
        opts.append({"name": option, "type": params[option].type.value, "value": typed, "focused": True})
        data: dict[str, Any] = {"id": str(10**17 + next(_ids)), "type": 1, "resolved": resolved}
        if cmd.parent is None:
            data.update(name=cmd.name, options=opts)
        elif cmd.parent.parent is None:
            data.update(name=cmd.parent.name, options=[{"type": 1, "name": cmd.name, "options": opts}])
        else:  # /mod skill merge: a subcommand group
            data.update(name=cmd.parent.parent.name, options=[{"type": 2, "name": cmd.parent.name, "options": [
                {"type": 1, "name": cmd.name, "options": opts}]}])
        payload = self._base(4, user, locale)
        payload["data"] = data
        responses = await self._dispatch(payload)
        assert len(responses) == 1 and responses[0].type == 8, responses
        return list(responses[0].data.get("choices") or [])

    async def submit(self, user: discord.Member, form: Response, locale: str = "fr",
                     **values: str) -> list[Response]:
        """Fill and send a form (a Modal the bot answered with): each text input gets `values[custom_id]`,
        else what it showed (its default), as Discord sends a modal submission."""
        assert form.type == 9, form  # MODAL
        fields = []
        for label in form.data["components"]:
            assert label["type"] == 18, label  # each input in a Label, as Discord now wants
            text_input = label["component"]
            value = values.pop(text_input["custom_id"], text_input.get("value") or "")
            fields.append({"type": 18, "id": label.get("id", 0), "component": {
                "type": 4, "id": text_input.get("id", 0), "custom_id": text_input["custom_id"], "value": value}})
        assert not values, f"no such field: {values}"
        payload = self._base(5, user, locale)
        payload["data"] = {"custom_id": form.data["custom_id"], "components": fields}
        return await self._dispatch(payload)

    async def menu(self, user: discord.Member, name: str, target: discord.Member | dict[str, Any],
                   locale: str = "fr") -> list[Response]:
        """Right-click → Apps → `name`: on a member (a user command) or on a message payload (a message
        command, as Discord resolves it: without its content, the bot has no Message Content intent)."""
        menu = self.bot.tree.get_command(name, type=discord.AppCommandType.user if isinstance(
            target, discord.Member) else discord.AppCommandType.message)
        assert isinstance(menu, app_commands.ContextMenu), name
        resolved: dict[str, Any] = {}
        if isinstance(target, discord.Member):
            resolved["users"] = {str(target.id): factories.dict_from_user(target._user)}
            member = self._member_payload(target)
            member.pop("user")
            resolved["members"] = {str(target.id): member}
            target_id, kind = str(target.id), 2
        else:
            resolved["messages"] = {target["id"]: target}
            target_id, kind = target["id"], 3
        payload = self._base(2, user, locale)
        payload["data"] = {"id": str(10**17 + next(_ids)), "name": menu.name, "type": kind, "target_id": target_id,
                           "resolved": resolved}
        return await self._dispatch(payload)

    def message_payload(self, author: discord.abc.User, channel: str = "general", *, bot: bool = False,
                        webhook: bool = False, author_id: str | None = None) -> dict[str, Any]:
        """A message as an interaction resolves it; `content` is empty (no Message Content intent)."""
        found = self.channel(channel)
        user = factories.dict_from_user(author._user if isinstance(author, discord.Member) else author)  # type: ignore[arg-type]
        if bot:
            user["bot"] = True
        if author_id is not None:  # someone outside the server's cache (another bot, a webhook's name)
            user.update(id=author_id, username=f"user{author_id[-4:]}")
        message = {
            "id": str(10**17 + next(_ids)), "channel_id": str(found.id), "guild_id": str(self.guild.id),
            "author": user, "content": "", "timestamp": "2026-12-01T08:00:00+00:00", "edited_timestamp": None,
            "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [],
            "embeds": [], "pinned": False, "type": 0, "flags": 0,
        }
        if webhook:
            message["webhook_id"] = str(10**17 + next(_ids))
        return message

    async def click(self, user: discord.Member, components: list[dict[str, Any]], custom_id: str,
                    values: list[str] | None = None, dm: bool = False, locale: str = "fr",
                    ephemeral: bool = False) -> list[Response]:
        """Click `custom_id` on a message that shows `components` (as the bot sent them); `ephemeral`:
        on a private answer (which only its reader sees)."""
        from cogs.base import build_view

        view = build_view(components)
        assert view is not None
        select = any(c["custom_id"] == custom_id and c.get("options") for c in components)
        payload = self._base(3, user, locale, dm=dm)
        payload["data"] = {"custom_id": custom_id, "component_type": 3 if select else 2,
                           **({"values": values or []} if select else {})}
        author = factories.dict_from_user(self.bot.user)  # type: ignore[arg-type]
        payload["message"] = {
            "id": str(10**17 + next(_ids)), "channel_id": payload["channel_id"], "author": author,
            "content": "…", "timestamp": "2026-12-01T08:00:00+00:00", "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
            "pinned": False, "type": 0, "flags": 64 if ephemeral else 0, "components": view.to_components(),
        }
        return await self._dispatch(payload)

    async def _dispatch(self, payload: dict[str, Any]) -> list[Response]:
        mark = len(self.adapter.responses)
        self.bot._connection.parse_interaction_create(payload)
        await settle()
        return self.adapter.responses[mark:]

    async def deliver(self) -> list[discord.Message]:
        """Run the outbox once through the Discord transport; return what dpytest saw sent."""
        await self.bot.engine.deliver()
        await dpytest.run_all_events()
        sent = []
        while not dpytest.sent_queue.empty():
            sent.append(dpytest.sent_queue.get_nowait())
        return sent


async def settle() -> None:
    """Wait for discord.py's own tasks: the tree invoker and the view dispatchers."""
    for _ in range(50):
        pending = [t for t in asyncio.all_tasks() if not t.done() and (
            t.get_name() == "CommandTree-invoker" or t.get_name().startswith("discord-ui-"))]
        if not pending:
            return
        await asyncio.gather(*pending, return_exceptions=True)
    raise AssertionError("interaction tasks never settled")


def make_config(**sections: dict[str, Any]) -> Config:
    return Config.model_validate(sections)


@pytest.fixture
async def dsim(tmp_path: Path) -> AsyncIterator[DiscordSim]:
    config = make_config()
    clock = SimulatedClock(datetime.fromisoformat(START))
    bot = EntraideBot(config, tmp_path / "community.sqlite", clock, sync="none", background=False)
    await bot._async_setup_hook()
    dpytest.configure(bot, guilds=["Entraide"], text_channels=CHANNELS, voice_channels=0,
                      members=["alice", "bob", "carol", "dave"])
    state = bot._connection
    state._command_tree = bot.tree  # dpytest swapped the connection after the tree was built
    bot.tree._state = state
    guild = dpytest.get_config().guilds[0]
    bot.guild_id = str(guild.id)
    adapter = RecordingAdapter()
    token = webhook_async.async_context.set(adapter)
    await bot.setup_hook()
    await bot.engine.start()
    sim = DiscordSim(bot, adapter)
    sim.add_role("member")
    sim.add_role("animator")
    sim.add_role("member-of-the-month")
    sim.add_role("admins", manage_guild=True)
    await sim.adopt(*sim.members.values())
    sim.spy_engine()
    try:
        yield sim
    finally:
        webhook_async.async_context.reset(token)
        bot.ws = None  # dpytest's fake socket cannot be closed like a real one
        await bot.close()
        await dpytest.empty_queue()
