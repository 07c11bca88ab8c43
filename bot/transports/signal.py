"""The Signal transport: the same bot in a Signal group, through signal-cli's JSON-RPC daemon.

Incoming `receive` notifications become Engine calls: `!` commands (parsed like the console's typed
commands, mentions as member references), reactions on the bot's messages as clicks, group updates
as a membership diff (Signal has no join or leave events: `listGroups` is read again after an update,
at start-up and after every reconnection), any other group message as activity, never stored.
Replies go through the outbox, quoted to the command's message, or in private when they are private.
"""
from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any

from bot.app import Engine
from bot.commands.dispatch import caller_locale
from bot.commands.parser import TextCommand, TextCommandError, parse_text_command
from bot.commands.registry import COMMANDS, Actor, Reply
from bot.config import Config
from bot.mentions import clean_display_name
from bot.outbox import Component
from bot.transports import signal_commands
from bot.transports.signal_consumer import NotificationConsumer
from bot.transports.signal_delivery import SignalDelivery
from bot.transports.signal_members import GroupMembership, platform_id_of
from bot.transports.signal_rpc import Endpoint, SignalRpc
from bot.transports.signal_text import SIGNAL_PREFIX, replace_mentions
from storage import members as members_repo
from storage import outbox as outbox_repo
from storage import signal as signal_repo

log = logging.getLogger(__name__)

PREFIX = "!"
SEEN_MAX = 2000  # envelopes remembered to drop a redelivery after a reconnection
MAX_HANDLE = 64


def is_private(name: str) -> bool:
    """Replies that stay between the bot and the member: profiles, exports, moderation, animators' tools."""
    spec = COMMANDS.get(name)
    return name.startswith(("profile", "mod ", "setup")) or bool(spec and spec.animator)


class SignalServer(GroupMembership, NotificationConsumer):
    """Holds the engine and the signal-cli client; one method per kind of incoming event."""

    def __init__(self, config: Config, rpc: SignalRpc | None = None) -> None:
        self.config = config
        self.settings = config.signal
        self.rpc = rpc or SignalRpc(Endpoint(socket=self.settings.socket or None, tcp=self.settings.tcp or None),
                                    on_connected=self.reconcile)
        if self.rpc.on_connected is None:
            self.rpc.on_connected = self.reconcile
        self.delivery = SignalDelivery(self)
        self.engine: Engine = None  # type: ignore[assignment]  # set by open()
        self.bot_aci: str | None = None
        self.admins: set[str] = set()
        self.in_group = False
        self._seen: OrderedDict[tuple[str, int], None] = OrderedDict()
        self._names: dict[str, str] = {}
        self._consumer: asyncio.Task[None] | None = None
        self._reconcile_lock = asyncio.Lock()
        self.reconciles = 0
        self.members_known = asyncio.Event()  # set once the group's members have been read

    async def deliver(self, message: Any) -> str | None:
        return await self.delivery.deliver(message)

    # Where things go -------------------------------------------------------------------------

    def group_for_channel(self, channel: str) -> str:
        """A logical channel (its configured name) → the group that carries it."""
        names = self.config.channels.model_dump()
        for key, group in self.settings.channels.items():
            if names.get(key) == channel:
                return group
        return self.settings.group

    def animators_only(self, channel: str) -> bool:
        """mod-log and the animators' channel never go to the community's group: without a group of their
        own in `[signal.channels]`, they go privately to each animator."""
        names = self.config.channels
        private = {"mod_log": names.mod_log, "animators": names.animators}
        return any(channel == name and key not in self.settings.channels for key, name in private.items())

    def animator_acis(self) -> set[str]:
        return (self.admins | set(self.settings.animators)) - {self.bot_aci or ""}

    def our_groups(self) -> set[str]:
        return {self.settings.group, *self.settings.channels.values()}

    # Life ------------------------------------------------------------------------------------

    async def members_ready(self) -> None:
        await self.members_known.wait()

    # Incoming --------------------------------------------------------------------------------

    async def handle_notification(self, note: dict[str, Any]) -> None:
        if note.get("method") != "receive":
            return
        params = note.get("params") or {}
        if "result" in params and "envelope" not in params:  # manual mode wraps it in a subscription
            params = params.get("result") or {}
        envelope = params.get("envelope") if isinstance(params, dict) else None
        if not isinstance(envelope, dict):
            return
        data = envelope.get("dataMessage")
        aci = envelope.get("sourceUuid")
        if not isinstance(data, dict) or not isinstance(aci, str) or not aci:
            return  # sync, receipt, typing and edit messages are not the bot's business
        aci = aci.lower()
        if aci == self.bot_aci:
            return
        stamp = data.get("timestamp") or envelope.get("timestamp")
        if isinstance(stamp, int):
            key = (aci, stamp)
            if key in self._seen:
                return
            self._seen[key] = None
            while len(self._seen) > SEEN_MAX:
                self._seen.popitem(last=False)
        platform_id = platform_id_of(aci)
        name = clean_display_name(str(envelope.get("sourceName") or ""), "")[:MAX_HANDLE]  # never U+202E, NUL
        if name:
            self._names[platform_id] = name
        group_info = data.get("groupInfo") if isinstance(data.get("groupInfo"), dict) else None
        group = group_info.get("groupId") if group_info else None
        if group is not None and group not in self.our_groups():
            return
        if group_info and group_info.get("type") == "UPDATE":
            await self.reconcile()
            return
        chat = f"group:{group}" if group else f"dm:{platform_id}"
        known = await self._known_member(platform_id, name)
        if not known:
            return  # not (yet) in the community's group: the bot answers its members only
        if group is None:
            await self._wrote_in_private(platform_id)
        reaction = data.get("reaction")
        if isinstance(reaction, dict):
            await self._on_reaction(platform_id, chat, reaction)
            return
        text = data.get("message")
        if not isinstance(text, str) or not text.strip():
            if group is not None and not data.get("attachments"):
                await self.reconcile()  # a dataMessage without text or reaction: an update of the group
            elif group is not None:
                await self.engine.message_seen(platform_id)
            return
        if text.lstrip().startswith(PREFIX):
            body = replace_mentions(text, data.get("mentions") or [])
            await self._on_command(platform_id, chat, body.lstrip()[len(PREFIX):], stamp, aci)
        elif group is not None:
            await self.engine.message_seen(platform_id)  # counted, never stored
        await self.engine.deliver()

    async def _known_member(self, platform_id: str, name: str) -> bool:
        ctx = self.engine.ctx
        member = await members_repo.by_platform_id(ctx.db.reader, ctx.guild_id, platform_id)
        if member is None or member.left_at is not None or member.erased:
            return False
        if name and member.handle != name:
            async with ctx.db.transaction() as tx:
                await signal_repo.set_handle(tx, ctx.guild_id, platform_id, name)
        return True

    async def _wrote_in_private(self, platform_id: str) -> None:
        """A member who wrote to the bot gets DMs from now on (no message request on their side)."""
        ctx = self.engine.ctx
        async with ctx.db.transaction() as tx:
            await signal_repo.add_contact(tx, ctx.guild_id, platform_id, ctx.now_ts())
            member = await members_repo.by_platform_id(tx, ctx.guild_id, platform_id)
            if member is not None and member.dms_closed:
                await members_repo.update_fields(tx, member.id, dms_closed=0)

    async def actor(self, platform_id: str) -> Actor:
        aci = platform_id[len(SIGNAL_PREFIX):]
        roles = await self.engine.roles_of(platform_id)
        animator = aci in self.admins or aci in self.settings.animators
        return Actor(platform_id=platform_id, handle=self._names.get(platform_id, platform_id), roles=roles,
                     manage_guild=animator)

    async def _on_command(self, platform_id: str, chat: str, line: str, stamp: Any, aci: str) -> None:
        quote = {"timestamp": stamp, "author": aci} if isinstance(stamp, int) else None
        actor = await self.actor(platform_id)
        click = signal_commands.twin_click(line)
        if click is not None:
            reply = await self._click(actor, chat, click)
            await self.reply(platform_id, chat, quote, reply, private=False)
            return
        if " ".join(line.lower().split()[:2]) == "setup check" and "setup check" not in COMMANDS:
            await self.reply(platform_id, chat, quote, await self._setup_check(actor, TextCommand("setup check")),
                             private=True)
            return
        locale = await caller_locale(self.engine.ctx, actor)
        try:
            parsed = parse_text_command(line, self.engine.ctx.i18n, locale, mention_prefix=SIGNAL_PREFIX)
        except TextCommandError as err:
            await self.reply(platform_id, chat, quote, err.reply(), private=False)
            return
        if parsed.name == "setup check":
            await self.reply(platform_id, chat, quote, await self._setup_check(actor, parsed), private=True)
            return
        if parsed.name == "mod timeout" and self.settings.timeout == "refuse":
            locale = await self._locale(platform_id)
            text = self.engine.ctx.t(locale, "signal.timeout_refused")
            await self.reply(platform_id, chat, quote, Reply(ok=False, text=text, error="invalid_input"), private=True)
            return
        reply = await self.engine.command(actor, parsed.name, parsed.options)
        if reply.ok and parsed.name == "mod timeout":
            locale = await self._locale(platform_id)
            reply.text = f"{reply.text}\n{self.engine.ctx.t(locale, 'signal.timeout_removes')}"
        await self.reply(platform_id, chat, quote, reply, private=is_private(parsed.name))

    async def _setup_check(self, actor: Actor, parsed: Any) -> Reply:
        """`setup check` on Signal: the community's own checks (when the command exists) and Signal's."""
        from bot.commands.dispatch import error_reply
        from bot.errors import denied
        from bot.transports.signal_checks import signal_checks

        locale = await self._locale(actor.platform_id)
        if not actor.manage_guild and not (actor.roles & set(self.config.roles.animators)):
            return error_reply(self.engine.ctx, locale, denied("common.detail.animator_only"))
        reply = Reply(ok=True, text="", data={"checks": []})
        if "setup check" in COMMANDS:
            reply = await self.engine.command(actor, "setup check", parsed.options)
            if not reply.ok:
                return reply
        signal = await signal_checks(self, locale)
        lines = [f"{'✅' if c['ok'] else '❌'} {c['what']}" + ("" if c["ok"] else f" — {c['fix']}") for c in signal]
        text = "\n".join(x for x in (reply.text, "\n".join(lines)) if x)
        return Reply(ok=True, text=text, data={**reply.data, "checks": list(reply.data.get("checks") or []) + signal})

    async def _click(self, actor: Actor, chat: str, click: signal_commands.Click) -> Reply:
        custom_id, values = click.custom_id, click.values
        if click.next_page:
            ctx = self.engine.ctx
            chats = [chat, f"group:{self.settings.group}"]
            components = await signal_repo.latest_with_component(ctx.db.reader, ctx.guild_id, chats,
                                                                  signal_commands.PAGE_PREFIX)
            following = next((c for c in components or [] if signal_commands.is_next_page(c)), None)
            if following is None:
                locale = await self._locale(actor.platform_id)
                return Reply(ok=False, error="not_found", text=ctx.t(locale, "signal.no_next_page"))
            custom_id, values = str(following["custom_id"]), None
        elif click.select_prefix is not None:
            ctx = self.engine.ctx
            chats = [chat, f"group:{self.settings.group}"]
            components = await signal_repo.latest_with_component(ctx.db.reader, ctx.guild_id, chats,
                                                                  click.select_prefix)
            select = next((c for c in components or [] if str(c.get("custom_id", "")).startswith(click.select_prefix)),
                          None)
            options = (select or {}).get("options") or []
            if select is None or not click.choice or not 0 < click.choice <= len(options):
                locale = await self._locale(actor.platform_id)
                return Reply(ok=False, error="not_found" if select is None else "invalid_input",
                             text=ctx.t(locale, "signal.no_ballot" if select is None else "signal.bad_choice",
                                        count=len(options)))
            custom_id, values = str(select["custom_id"]), [str(options[click.choice - 1].get("value", ""))]
        return await self.engine.click(actor, custom_id, values)

    async def _on_reaction(self, platform_id: str, chat: str, reaction: dict[str, Any]) -> None:
        if reaction.get("isRemove"):
            return
        target = reaction.get("targetSentTimestamp")
        if not isinstance(target, int):
            return
        ctx = self.engine.ctx
        stored = await signal_repo.message_components(ctx.db.reader, ctx.guild_id, target)
        if stored is None:
            return  # a reaction on someone's message, or on a bot message without components
        stored_chat, components = stored
        custom_id = signal_commands.reaction_click(str(reaction.get("emoji", "")), components)
        if custom_id is None:
            return
        reply = await self.engine.click(await self.actor(platform_id), custom_id, None)
        author = str(reaction.get("targetAuthorUuid") or self.bot_aci or "")
        quote = {"timestamp": target, "author": author} if author else None
        await self.reply(platform_id, stored_chat, quote, reply, private=False)
        await self.engine.deliver()

    async def _locale(self, platform_id: str) -> str:
        ctx = self.engine.ctx
        member = await members_repo.by_platform_id(ctx.db.reader, ctx.guild_id, platform_id)
        return ctx.i18n.locale_or_default(member.locale if member else None)

    # Replies ---------------------------------------------------------------------------------

    async def reply(
        self, platform_id: str, chat: str, quote: dict[str, Any] | None, reply: Reply, private: bool
    ) -> None:
        """One reply, through the outbox (retried like everything else): quoted in the chat, or in private."""
        ctx = self.engine.ctx
        payload: dict[str, Any] = {"text": reply.text, "mentions": []}
        if reply.components:
            payload["components"] = [c.as_dict() if isinstance(c, Component) else c for c in reply.components]
        if reply.attachments:
            payload["attachments"] = [a.as_dict() for a in reply.attachments]
        contact = await signal_repo.is_contact(ctx.db.reader, ctx.guild_id, platform_id)
        if chat.startswith("dm:") or (private and contact):
            target = f"dm:{platform_id}"
            payload["in_reply"] = True  # they wrote to the bot (even if an erasure just forgot it): no fallback
            if not chat.startswith("dm:"):
                quote = None
        elif private:  # in the group, a private answer would be read by everyone: ask for a DM instead
            locale = await self._locale(platform_id)
            payload = {"text": ctx.t(locale, "signal.private_write_me"), "mentions": []}
            target = chat
        else:
            target = chat
        if quote:
            payload["quote"] = quote
        async with ctx.db.transaction() as tx:
            outbox_id = await outbox_repo.enqueue(tx, guild_id=ctx.guild_id, kind="reply", op="send", target=target,
                                                  payload=payload, paced=False, not_before=ctx.now_ts(),
                                                  now=ctx.now_ts())
            if outbox_id is not None:  # an erasure finds the replies to and about a member by these links
                caller = await members_repo.by_platform_id(tx, ctx.guild_id, platform_id)
                if caller is not None:
                    await outbox_repo.link_subjects(tx, outbox_id, [caller.id])
                named = outbox_repo.mentioned(payload["text"])
                if named:
                    await outbox_repo.link_mentioned(tx, outbox_id, ctx.guild_id, named)
        await self.engine.deliver()
        if outbox_id is not None:
            async with ctx.db.transaction() as tx:
                await signal_repo.forget_sent_reply(tx, outbox_id)

