"""What every cog shares: who acts (Actor from a Discord user), one engine call, the reply rendered.

No community rule lives here: the engine decides, these helpers only translate between Discord and it.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.commands.hints import SLASH, render_hints
from bot.commands.registry import Actor, Reply
from bot.tempfiles import discard_delivered
from cogs.chunks import split_message

if TYPE_CHECKING:
    from bot.app import Engine
    from cogs.bot import EntraideBot

log = logging.getLogger(__name__)

# Discord wants a first answer within 3 s: past this, the reply is deferred and sent as a follow-up.
DEFER_AFTER_SECONDS = 2.0


def bot_of(interaction: discord.Interaction) -> EntraideBot:
    return interaction.client  # type: ignore[return-value]


def describe(fallback: str, **extras: Any) -> app_commands.locale_str:
    """A description the translator localizes: `command=` (its help line) or `key=` (a catalogue key)."""
    return app_commands.locale_str(fallback[:100], **extras)


def role_tokens(member: discord.Member) -> frozenset[str]:
    """Role names and ids as strings: `[roles] animators` may list either."""
    tokens: set[str] = set()
    for role in member.roles:
        if role.is_default():
            continue
        tokens.add(role.name)
        tokens.add(str(role.id))
    return frozenset(tokens)


async def engine_of(interaction: discord.Interaction) -> Engine:
    """The engine of the community an interaction is for: its server's; in a DM, the community that
    sent the message clicked (bot/transports: `dm-message` refs), else the first one the user belongs to."""
    bot = bot_of(interaction)
    engine = bot.engine_for(interaction.guild_id) if interaction.guild_id is not None else None
    if engine is not None:
        return engine
    if len(bot.engine.engines) == 1:
        return bot.engine
    from storage import members as members_repo
    from storage import platform_refs

    reader = bot.engine.ctx.db.reader
    if interaction.message is not None:
        key = await platform_refs.guild_of_ref(reader, dm_message_ref(interaction.message.id))
        found = bot.engine_for(key) if key else None
        if found is not None:
            return found
    for candidate in bot.engine.engines:
        member = await members_repo.by_platform_id(reader, candidate.ctx.guild_id, str(interaction.user.id))
        if member is not None and not member.erased and member.left_at is None:
            return candidate
    return bot.engine


def server_engine(interaction: discord.Interaction) -> Engine:
    """The engine of the interaction's server (in a DM, the first community's): for what cannot wait
    for a database read (autocomplete, opening a form)."""
    bot = bot_of(interaction)
    return bot.engine_for(interaction.guild_id) or bot.engine


def dm_message_ref(message_id: int | str) -> str:
    """The platform_ref naming the community that sent a DM with buttons (in a network)."""
    return f"dm-message:{message_id}"


async def guild_member(
    bot: EntraideBot, user: discord.abc.User, guild_key: str | None = None,
) -> discord.Member | None:
    """The user as a member of the community's server (a click in a DM carries only the user)."""
    key = str(guild_key or bot.guild_id)
    if isinstance(user, discord.Member) and str(user.guild.id) == key:
        return user
    guild = bot.community_guild(key)
    if guild is None:
        return None
    member = guild.get_member(user.id)
    if member is not None:
        return member
    try:
        return await guild.fetch_member(user.id)
    except (discord.HTTPException, NotImplementedError):
        return None


async def actor_for(interaction: discord.Interaction) -> Actor:
    """Who acts, as Discord says: id, name, the client's locale, roles and server-management right."""
    bot = bot_of(interaction)
    member = await guild_member(bot, interaction.user, (await engine_of(interaction)).ctx.guild_id)
    roles = role_tokens(member) if member is not None else frozenset()
    manage = bool(member is not None and member.guild_permissions.manage_guild)
    return Actor(
        platform_id=str(interaction.user.id), handle=(member or interaction.user).display_name,
        locale=str(interaction.locale.value) if interaction.locale else None,
        roles=roles, manage_guild=manage,
    )


async def member_ref(interaction: discord.Interaction, user: discord.abc.User | None) -> str | None:
    """A `member` option for the engine: the platform id, after making sure the bot knows that member."""
    if user is None:
        return None
    await (await engine_of(interaction)).ensure_member(str(user.id), user.display_name, None)
    return str(user.id)


def build_view(components: list[dict[str, Any]]) -> discord.ui.View | None:
    """Components from a Reply or an outbox payload → a View of the persistent DynamicItems."""
    from cogs.views import item_for

    if not components:
        return None
    view = discord.ui.View(timeout=None)
    for component in components[:25]:
        item = item_for(component)
        if component.get("disabled"):  # greyed out: a claim button once the request is taken
            inner = getattr(item, "item", item)  # a DynamicItem holds the real button
            inner.disabled = True
        view.add_item(item)
    return view


def files_for(attachments: list[dict[str, Any]]) -> list[discord.File]:
    """Attachments that exist on disk (e.g. the vitality chart) become uploads."""
    files = []
    for attachment in attachments:
        path = attachment.get("path")
        if path and Path(path).is_file():
            files.append(discord.File(path, filename=attachment.get("filename") or Path(path).name))
    return files


def reply_content(reply: Reply) -> str:
    return render_hints(reply.text, SLASH) or ("✅" if reply.ok else "⚠️")


def reply_messages(reply: Reply) -> list[dict[str, Any]]:
    """A reply as the messages Discord receives: its text in as many messages as it takes (never cut),
    the files with the first, the buttons with the last (after all the text they act on)."""
    chunks = split_message(reply_content(reply))
    messages: list[dict[str, Any]] = [
        {"content": chunk, "allowed_mentions": discord.AllowedMentions.none()} for chunk in chunks]
    view = build_view([c.as_dict() for c in reply.components])  # a refusal may offer a way on (the charter)
    if view is not None:
        messages[-1]["view"] = view
    files = files_for([a.as_dict() for a in reply.attachments])
    if files:
        messages[0]["files"] = files
    return messages


async def send_reply(interaction: discord.Interaction, reply: Reply) -> None:
    """One answer: ephemeral unless the reply is public (errors always ephemeral), never a live ping;
    a long one as several messages."""
    ephemeral = not (reply.ok and reply.public)
    try:
        for kwargs in reply_messages(reply):
            if interaction.response.is_done():
                await interaction.followup.send(ephemeral=ephemeral, **kwargs)
            else:
                await interaction.response.send_message(ephemeral=ephemeral, **kwargs)
    finally:
        discard_delivered([a.as_dict() for a in reply.attachments])  # uploaded (or failed): the file goes


async def answer(interaction: discord.Interaction, call: Any, *, public_hint: bool = False) -> Reply:
    """Await one engine call and render its Reply; defer first when it runs past Discord's window."""
    task = asyncio.ensure_future(call)
    try:
        reply = await asyncio.wait_for(asyncio.shield(task), timeout=DEFER_AFTER_SECONDS)
    except TimeoutError:
        if not interaction.response.is_done():
            await interaction.response.defer(ephemeral=not public_hint, thinking=True)
        reply = await task
    await send_reply(interaction, reply)
    return reply


async def run_command(
    interaction: discord.Interaction, name: str, options: dict[str, Any] | None = None, *, public_hint: bool = False,
) -> Reply:
    """A slash command → `engine.command(actor, name, options)` → the reply. Absent options are left out."""
    engine = await engine_of(interaction)
    actor = await actor_for(interaction)
    clean = {key: value for key, value in (options or {}).items() if value is not None}
    return await answer(interaction, engine.command(actor, name, clean), public_hint=public_hint)


def foreign_guild(interaction: discord.Interaction) -> bool:
    """An interaction from a server that is no community's (a DM is the community's bot talking)."""
    return interaction.guild_id is not None and bot_of(interaction).engine_for(interaction.guild_id) is None


async def refuse_foreign_guild(interaction: discord.Interaction) -> None:
    """One short ephemeral sentence; nothing is read or written."""
    if interaction.type == discord.InteractionType.autocomplete or interaction.response.is_done():
        return
    locale = str(interaction.locale.value) if interaction.locale else None
    text = bot_of(interaction).engine.ctx.t(locale, "discord.foreign_guild")
    try:
        await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.info("could not answer an interaction from another server")


async def run_click(interaction: discord.Interaction, custom_id: str, values: list[str] | None = None) -> Reply | None:
    """A button or select → `engine.click(actor, custom_id, values)` → the reply."""
    if foreign_guild(interaction):
        await refuse_foreign_guild(interaction)
        return None
    engine = await engine_of(interaction)
    actor = await actor_for(interaction)
    return await answer(interaction, engine.click(actor, custom_id, values))


OPTION_FALLBACKS = {
    "skills": "comma-separated skills, e.g. plumbing, cooking",
    "add_skills": "skills to add, comma-separated",
    "remove_skills": "skills to remove, comma-separated",
    "add_needs": "needs to add, comma-separated",
    "remove_needs": "needs to remove, comma-separated",
    "into": "the skill that stays (it takes the other one in)",
    "to": "the skill's new name",
    "needs": "comma-separated needs",
    "languages": "comma-separated languages, e.g. fr, en",
    "bio": "a few words about you",
    "timezone": "your timezone, e.g. Europe/Paris",
    "quiet_hours": "hours without pings, e.g. 22-08",
    "available": "available to help right now",
    "godparent": "volunteer as a godparent for newcomers",
    "nudges": "receive the weekly gentle nudges",
    "visible": "show your profile in the directory",
    "member": "a member of the server",
    "confirm": "must be true: erases your personal data",
    "skill": "a skill",
    "title": "what you need, in a few words",
    "details": "more details",
    "urgent": "is it urgent?",
    "mine": "only my requests",
    "id": "the number shown with it",
    "thanks": "the member to thank",
    "reason": "why",
    "minutes": "how many minutes",
    "text": "the text",
    "active": "true: active, false: inactive",
    "newcomer": "the newcomer",
    "paused": "true pauses every automatic nudge",
    "when": "ISO date-time (2026-12-24T18:00) or 5-field cron",
    "channel": "the channel to post in (default: general)",
    "days": "how many days back (default 30)",
    "command": "a command, e.g. request new",
    "language": "the bot's language for you: fr or en",
    "end": "when it ends: 2h, 12:00, or a date",
    "place": "where, or an online link",
    "kind": "session, deepening, gathering or shift",
    "capacity": "how many places",
    "slots": "a shift's slots, e.g. welcome:2, till:1",
    "repeat": "repeats, e.g. every first Saturday of the month at 10am",
    "description": "what it is about",
    "network": "for the whole network, not only this community",
    "series": "also cancel the following occurrences",
    "members": "who came, separated by commas",
    "slot": "the slot you take",
    "choice": "for, against or abstain",
    "message": "a link to the message",
}


def option_descriptions(*names: str) -> dict[str, app_commands.locale_str]:
    """Option descriptions for `app_commands.describe`, localized from `discord.option.<name>`."""
    return {name: describe(OPTION_FALLBACKS[name], key=f"discord.option.{name}") for name in names}


class EntraideTree(app_commands.CommandTree):
    """Even what discord.py refuses before the engine (an option out of range) gets one localized answer."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """One community, one server: a command from any other server is refused and touches nothing."""
        if foreign_guild(interaction):
            await refuse_foreign_guild(interaction)
            return False
        return True

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        words = (await engine_of(interaction)).ctx.i18n
        locale = str(interaction.locale.value) if interaction.locale else None
        if isinstance(error, app_commands.TransformerError | app_commands.CommandSignatureMismatch):
            detail = words.t(locale, "discord.bad_option")
            text = words.t(locale, "common.error.invalid_input", detail=detail)
        else:
            log.error("slash command failed", exc_info=error)
            text = words.t(locale, "common.error.internal")
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not report a slash command error", exc_info=True)
