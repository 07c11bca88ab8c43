"""The outbox transport for Discord: one outbox row → one Discord call, failures sorted for the dispatcher.

The dispatcher (bot/outbox.py) owns pacing, retries and the closed-DM fallback; this module only knows
how Discord says things: 50007 = DMs closed, 40003 = opening DMs too fast, 429/5xx/network = try later.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.commands.hints import SLASH, render_hints
from bot.outbox import DMClosed, Outgoing, PermanentDeliveryError, TransientDeliveryError
from cogs import forum as forum_posts
from cogs.base import build_view, dm_message_ref, files_for
from cogs.calendar import DiscordCalendar
from cogs.chunks import split_message
from cogs.server import bot_role_name, channel_by_ref
from storage import members as members_repo
from storage import platform_refs

if TYPE_CHECKING:
    from bot.context import Community
    from cogs.bot import EntraideBot

log = logging.getLogger(__name__)

CANNOT_DM = 50007
# Discord's JSON error codes → why, in the words of bot.services.failures
CAUSES = {50013: "missing_permissions", 50001: "missing_access", 10003: "unknown_channel", 10011: "unknown_role",
          10007: "member_gone", 10013: "member_gone"}
OPENING_DMS_TOO_FAST = 40003
UNKNOWN_MESSAGE = 10008
MAX_THREAD_NAME = 100


def thread_ref_key(name: str) -> str:
    return f"thread:{name}"


def classify(exc: BaseException, dm: bool) -> Exception:
    """A Discord failure → what the dispatcher should do with the row."""
    if isinstance(exc, discord.HTTPException):
        if dm and exc.code == CANNOT_DM:
            return DMClosed(str(exc))
        if exc.code == OPENING_DMS_TOO_FAST:
            return TransientDeliveryError(str(exc), slow_down=True)
        if exc.status == 429:
            return TransientDeliveryError(str(exc), slow_down=True)
        if exc.status >= 500:
            return TransientDeliveryError(str(exc))
        return PermanentDeliveryError(f"{exc.status} {exc.code}: {exc.text}", cause=CAUSES.get(exc.code, "other"))
    if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError | OSError):
        return TransientDeliveryError(repr(exc))
    return PermanentDeliveryError(repr(exc))


class DiscordDelivery:
    """`bot.outbox.Transport` for Discord."""

    def __init__(self, bot: EntraideBot) -> None:
        self.bot = bot
        self._threads: dict[int, discord.Thread] = {}
        self.calendar = DiscordCalendar(bot)

    async def deliver(self, message: Outgoing) -> str | None:
        """One Discord call; a sent message's id comes back as `<channel id>:<message id>` (for edits)."""
        dm = message.target_kind == "dm"
        if "<@" in str(message.payload.get("text", "")):
            message.payload["text"] = await self._name_other_platforms(message)
        try:
            if message.op == "role":
                await self._change_role(message)
            elif message.op == "timeout":
                await self._timeout(message)
            elif message.op == "event":
                await self.calendar.apply(self._guild(message), message)
            elif message.op == "edit":
                await self._edit(message)
            elif message.op == "thread":
                await self._change_thread(message)
            elif dm:
                return await self._send_dm(message)
            elif message.target_kind == "channel":
                return await self._post(message)
            else:
                raise PermanentDeliveryError(f"unknown target {message.target}")
            return None
        except (DMClosed, TransientDeliveryError):
            raise
        except PermanentDeliveryError as exc:
            self._name_bot_role(exc, message)
            raise
        except Exception as exc:  # noqa: BLE001 - every other failure is sorted, never swallowed
            sorted_error = classify(exc, dm)
            if isinstance(sorted_error, PermanentDeliveryError):
                self._name_bot_role(sorted_error, message)
            raise sorted_error from exc

    def _name_bot_role(self, error: PermanentDeliveryError, message: Outgoing) -> None:
        """The fix the animators read names the bot's own role, as the server shows it."""
        guild = self.bot.community_guild(message.guild_id or None)
        if guild is not None:
            error.params.setdefault("bot_role", bot_role_name(guild))

    async def _name_other_platforms(self, message: Outgoing) -> str:
        """A member of the network on another platform (a Signal member introduced to a Discord helper)
        has no Discord mention: `@` and the name the network knows them by (or "someone")."""
        from bot.mentions import MENTION_TOKEN, neutralize

        text = str(message.payload["text"])
        foreign = {m.group(1) for m in MENTION_TOKEN.finditer(text) if not m.group(1).isdigit()}
        engine = self.bot.engine_for(message.guild_id) or self.bot.engine
        for platform_id in foreign:
            name = engine.ctx.t(engine.ctx.locale, "signal.someone")
            for place in engine.ctx.network.communities:
                member = await members_repo.by_platform_id(engine.ctx.db.reader, place.guild_id, platform_id)
                if member is not None and not member.erased:
                    name = neutralize(member.handle)
                    break
            text = text.replace(f"<@{platform_id}>", f"@{name}").replace(f"<@!{platform_id}>", f"@{name}")
        return text

    # Pieces --------------------------------------------------------------------------------------

    def _guild(self, message: Outgoing) -> discord.Guild:
        """The server of the message's community (in a network, the outbox row's key says which)."""
        guild = self.bot.community_guild(message.guild_id or None)
        if guild is None:  # not connected yet (or the bot was removed): keep the row for later
            raise TransientDeliveryError(f"guild {message.guild_id or self.bot.guild_id} not available")
        return guild

    def _send_kwargs(self, message: Outgoing) -> list[dict[str, Any]]:
        """The row as Discord messages: a text over 2,000 characters goes as several, never cut (files with
        the first, buttons with the last); each has its own nonce, so a retry posts none of them twice."""
        payload = message.payload
        text = render_hints(str(payload.get("text", "")), SLASH) or "—"
        mentions = discord.AllowedMentions(
            everyone=False, roles=False, replied_user=False,
            users=[discord.Object(int(uid)) for uid in payload.get("mentions") or [] if str(uid).isdigit()],
        )
        chunks = split_message(text)
        # discord.py adds enforce_nonce: a retried send is not posted twice (nonces: at most 25 characters)
        messages: list[dict[str, Any]] = [
            {"content": chunk, "nonce": message.id if n == 0 else f"{message.id}.{n}", "allowed_mentions": mentions}
            for n, chunk in enumerate(chunks)]
        view = build_view(payload.get("components") or [])
        if view is not None:
            messages[-1]["view"] = view
        files = files_for(payload.get("attachments") or [])
        if files:
            messages[0]["files"] = files
        return messages

    async def _user(self, user_id: str) -> discord.User:
        if not user_id.isdigit():
            raise PermanentDeliveryError(f"not a Discord user id: {user_id}")
        return self.bot.get_user(int(user_id)) or await self.bot.fetch_user(int(user_id))

    async def _send_dm(self, message: Outgoing) -> str:
        user = await self._user(message.target_id)
        for kwargs in self._send_kwargs(message):
            sent = await user.send(**kwargs)  # a long text in several parts: the buttons go with the last
        if message.payload.get("components") and len(self.bot.engine.engines) > 1:
            # A click in a DM carries no server: remember which community's DM this is (cogs/base.engine_of).
            async with self.bot.engine.ctx.db.transaction() as tx:
                await platform_refs.set_ref(tx, message.guild_id, dm_message_ref(sent.id), message.guild_id)
        return f"{sent.channel.id}:{sent.id}"  # the part with the buttons: the one a later edit changes

    async def _edit(self, message: Outgoing) -> None:
        """A message sent earlier, in a channel, a thread or a DM, changed in place (`PartialMessage`:
        no fetch). Deleted since: nothing left to change. Other refusals are sorted like a send's.
        A text in several parts changes its last part (the one with the buttons, where the status goes)."""
        ref = str(message.payload.get("message_ref") or "")
        channel_id, _, message_id = ref.partition(":")
        if not (channel_id.isdigit() and message_id.isdigit()):
            log.info("outbox %s: no Discord message to edit (%r)", message.id, ref)
            return
        payload = message.payload
        content = split_message(render_hints(str(payload.get("text", "")), SLASH) or "—")[-1]
        partial = self.bot.get_partial_messageable(int(channel_id)).get_partial_message(int(message_id))
        try:
            await partial.edit(content=content, view=build_view(payload.get("components") or []),
                               allowed_mentions=discord.AllowedMentions.none())
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_MESSAGE:  # someone deleted it: the edit has nothing to change
                log.info("outbox %s: the message to edit was deleted", message.id)
                return
            raise

    async def _change_thread(self, message: Outgoing) -> None:
        """Rename or archive a thread the bot opened; intents this transport does not know are ignored."""
        payload = message.payload
        thread = await self._thread(self._guild(message), str(payload.get("thread", "")))
        if thread is None:  # never opened (its post fell back to the channel) or deleted since
            log.info("outbox %s: no thread %r to change", message.id, payload.get("thread"))
            return
        forum_resolved = bool(payload.get("resolved")) and isinstance(thread.parent, discord.ForumChannel)
        changes: dict[str, Any] = {}
        if payload.get("name"):
            changes["name"] = str(payload["name"])[:MAX_THREAD_NAME]
        if payload.get("archived") is not None and not forum_resolved:
            changes["archived"] = bool(payload["archived"])
        if payload.get("locked") is not None:
            changes["locked"] = bool(payload["locked"])
        if changes:  # before the resolved tag archives it: Discord edits only open posts
            thread = await thread.edit(**changes)
        if forum_resolved:
            await forum_posts.mark_resolved(thread, self._resolved_tag(message))  # the tag, then archived

    def channel_by_ref(
        self, guild: discord.Guild, ref: str, help_desk: str | None = None,
    ) -> discord.TextChannel | discord.Thread | discord.ForumChannel | None:
        """A configured channel: its id, or its name (as `[channels]` in the config says); by id, a
        thread too (a reminder set with `/remind add channel:` on a thread); the help desk (`help_desk`,
        the community's `channels.help_requests`) may be a forum (cogs/forum.py)."""
        forum = help_desk is not None and ref == help_desk
        if ref.isdigit():
            channel = guild.get_channel_or_thread(int(ref))
            kinds = (discord.TextChannel, discord.Thread, discord.ForumChannel) if forum \
                else (discord.TextChannel, discord.Thread)
            return channel if isinstance(channel, kinds) else None
        return channel_by_ref(guild, ref, forum=forum)

    def _ctx(self, message: Outgoing) -> Community:
        """The community the message belongs to (in a network, by its outbox row's key)."""
        engine = self.bot.engine_for(message.guild_id) or self.bot.engine
        return engine.ctx

    async def _post(self, message: Outgoing) -> str:
        guild = self._guild(message)
        channel = self.channel_by_ref(guild, message.target_id, self._ctx(message).config.channels.help_requests)
        if channel is None:
            raise PermanentDeliveryError(f"no channel {message.target_id!r} in the server", cause="unknown_channel")
        payload = message.payload
        if isinstance(channel, discord.ForumChannel):
            return await self._post_in_forum(guild, channel, message)
        destination: discord.abc.Messageable = channel
        if payload.get("thread"):
            destination = await self._thread(guild, str(payload["thread"])) or channel
        messages = self._send_kwargs(message)
        sent = last = await destination.send(**messages[0])
        for kwargs in messages[1:]:
            last = await destination.send(**kwargs)
        key = payload.get("create_thread")
        if key and destination is channel:
            await self._open_thread(guild, sent, str(key), str(payload.get("thread_name") or key))
        return f"{last.channel.id}:{last.id}"  # the part with the buttons: the one a later edit changes

    async def _post_in_forum(self, guild: discord.Guild, forum: discord.ForumChannel, message: Outgoing) -> str | None:
        """In a forum every message lives in a post: an update goes to its request's post, a new request
        (or anything else) opens one, tagged with the request's skills (a long text: the rest follows in it)."""
        payload = message.payload
        messages = self._send_kwargs(message)
        key = str(payload.get("thread") or payload.get("create_thread") or "")
        if payload.get("thread"):
            thread = await self._thread(guild, key)
            if thread is not None:
                for kwargs in messages:
                    last = await thread.send(**kwargs)
                return f"{last.channel.id}:{last.id}"
        if not key:  # a post that is no request's: titled by its first line
            first = str(messages[0].get("content") or "").splitlines() or ["…"]
            key = first[0][:forum_posts.MAX_POST_NAME]
        name = str(payload.get("thread_name") or key)  # what members read ("#12 · Fuite sous l'évier")
        thread = await forum_posts.create_post(
            forum, name, messages[0], [str(tag) for tag in payload.get("tags") or []], self._resolved_tag(message),
            self.bot.user.id if self.bot.user is not None else None,
        )
        self._threads[thread.id] = thread
        async with self.bot.engine.ctx.db.transaction() as tx:
            await platform_refs.set_ref(tx, str(guild.id), thread_ref_key(key), str(thread.id))
        for kwargs in messages[1:]:
            await thread.send(**kwargs)
        return f"{thread.id}:{thread.id}"  # a forum post's starter message has the post's id

    def _resolved_tag(self, message: Outgoing) -> str:
        ctx = self._ctx(message)
        return ctx.t(ctx.locale, "requests.forum_resolved_tag")

    async def _open_thread(self, guild: discord.Guild, sent: discord.Message, key: str, name: str) -> None:
        """A public thread on the post, named for members, remembered under its key so later updates land in it."""
        try:
            thread = await sent.create_thread(name=name[:MAX_THREAD_NAME])
        except discord.HTTPException as exc:  # the post is out; updates fall back to the channel
            log.warning("could not open thread %r: %s", name, exc)
            return
        self._threads[thread.id] = thread
        async with self.bot.engine.ctx.db.transaction() as tx:
            await platform_refs.set_ref(tx, str(guild.id), thread_ref_key(key), str(thread.id))

    async def _thread(self, guild: discord.Guild, name: str) -> discord.Thread | None:
        ref = await platform_refs.get_ref(self.bot.engine.ctx.db.reader, str(guild.id), thread_ref_key(name))
        if ref is None:
            return None
        thread_id = int(ref)
        thread = guild.get_thread(thread_id) or self._threads.get(thread_id)
        if thread is not None:
            return thread
        try:
            found = await guild.fetch_channel(thread_id)
        except (discord.NotFound, discord.Forbidden):
            return None
        if isinstance(found, discord.Thread):
            self._threads[found.id] = found
            return found
        return None

    async def _member(self, guild: discord.Guild, user_id: str) -> discord.Member:
        if not user_id.isdigit():
            raise PermanentDeliveryError(f"not a Discord user id: {user_id}")
        member = guild.get_member(int(user_id))
        if member is not None:
            return member
        try:
            return await guild.fetch_member(int(user_id))
        except discord.NotFound:
            raise PermanentDeliveryError(f"member {user_id} is not in the server", cause="member_gone") from None

    def _role(self, guild: discord.Guild, ref: str) -> discord.Role:
        role = guild.get_role(int(ref)) if ref.isdigit() else discord.utils.get(guild.roles, name=ref)
        if role is None:
            raise PermanentDeliveryError(f"no role {ref!r} in the server", cause="unknown_role")
        return role

    async def _change_role(self, message: Outgoing) -> None:
        guild = self._guild(message)
        member = await self._member(guild, message.target_id)
        role = self._role(guild, str(message.payload.get("role", "")))
        if message.payload.get("action") == "remove":
            if role in member.roles:
                await member.remove_roles(role, reason="entraide")
        elif role not in member.roles:
            await member.add_roles(role, reason="entraide")

    async def _timeout(self, message: Outgoing) -> None:
        guild = self._guild(message)
        member = await self._member(guild, message.target_id)
        until = datetime.fromisoformat(str(message.payload["until"]))
        reason = str(message.payload.get("reason") or "")[:500] or None
        await member.timeout(until, reason=reason)
