"""Help desks in a Discord forum channel: each request is a forum post (a thread with its starter message),
its skills applied as the forum's tags, and a "Résolu" / "Resolved" tag once it is resolved.

`channels.help_requests` may name a forum instead of a text channel; text channels keep their threads.
- Tags are matched by name (case and accents aside); a skill without a tag gets one when the bot may
  manage the forum (*Manage Channels*) and the forum has room: Discord allows 20 tags per forum
  (one place is kept for the resolved tag) and 5 per post. A full forum uses the tags it has, and
  `setup check` says so.
- A post is created once: before creating one, the bot looks for its own post of that name among the
  forum's threads (a crash after Discord created it but before its id was kept finds it again).
- Resolving applies the resolved tag (dropping a skill tag if the post already has 5) and archives the post.
"""
from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from typing import Any

import discord

log = logging.getLogger(__name__)

MAX_TAGS = 20  # Discord: tags one forum may have
MAX_APPLIED = 5  # tags one post may carry
MAX_TAG_NAME = 20
MAX_POST_NAME = 100


def tag_key(name: str) -> str:
    """How two tag names compare: case, accents and spacing aside."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def tag_name(name: str) -> str:
    name = " ".join(name.split())
    return name if len(name) <= MAX_TAG_NAME else name[: MAX_TAG_NAME - 1].rstrip() + "…"


def find_tag(forum: discord.ForumChannel, name: str) -> discord.ForumTag | None:
    wanted = {tag_key(name), tag_key(tag_name(name))}
    return next((tag for tag in forum.available_tags if tag_key(tag.name) in wanted), None)


def may_add_tags(forum: discord.ForumChannel) -> bool:
    """Adding a tag edits the forum: Manage Channels there."""
    me = forum.guild.me
    return me is not None and forum.permissions_for(me).manage_channels


def room_for_tags(forum: discord.ForumChannel, resolved: str) -> int:
    """Skill tags the forum can still take, keeping one place for the resolved tag."""
    reserved = 0 if find_tag(forum, resolved) is not None else 1
    return max(0, MAX_TAGS - len(forum.available_tags) - reserved)


async def _add_tags(forum: discord.ForumChannel, names: Sequence[str]) -> discord.ForumChannel:
    """New tags in one edit of the forum; the forum as Discord now has it."""
    tags = [*forum.available_tags, *(discord.ForumTag(name=tag_name(n)) for n in names)]
    edited = await forum.edit(available_tags=tags, reason="entraide")
    if not isinstance(edited, discord.ForumChannel):
        return forum
    # The gateway's channel update follows; until it does, the cached forum already knows its new tags,
    # so the next post does not add the same tag twice.
    cached = forum.guild.get_channel(forum.id)
    if isinstance(cached, discord.ForumChannel):
        cached._available_tags = dict(edited._available_tags)  # noqa: SLF001
    return edited


async def tags_for(forum: discord.ForumChannel, names: Sequence[str], resolved: str) -> list[discord.ForumTag]:
    """The forum's tags for these skills (at most 5), created as needed and as the forum allows."""
    names = list(dict.fromkeys(n for n in names if n.strip()))[:MAX_APPLIED]
    missing = [n for n in names if find_tag(forum, n) is None]
    if missing and may_add_tags(forum):
        room = room_for_tags(forum, resolved)
        if room:
            try:
                forum = await _add_tags(forum, list(dict.fromkeys(tag_name(n) for n in missing))[:room])
            except discord.HTTPException as exc:  # the post still goes out, with the tags there are
                log.warning("could not add tags to the forum %s: %s", forum.name, exc)
    found = [find_tag(forum, n) for n in names]
    return list(dict.fromkeys(tag for tag in found if tag is not None))


def own_post(forum: discord.ForumChannel, name: str, bot_id: int | None) -> discord.Thread | None:
    """The bot's post of that name, if Discord already has it (a retry after a crash)."""
    for thread in forum.threads:
        if thread.name == name[:MAX_POST_NAME] and (bot_id is None or thread.owner_id == bot_id):
            return thread
    return None


async def create_post(
    forum: discord.ForumChannel, name: str, kwargs: dict[str, Any], skills: Sequence[str], resolved: str,
    bot_id: int | None,
) -> discord.Thread:
    """The post (thread and starter message) with its skills' tags; an existing one of that name is reused."""
    existing = own_post(forum, name, bot_id)
    if existing is not None:
        return existing
    tags = await tags_for(forum, skills, resolved) if skills else []
    kwargs = {k: v for k, v in kwargs.items() if k != "nonce"}  # a forum post takes no nonce
    if tags:
        kwargs["applied_tags"] = tags
    created = await forum.create_thread(name=name[:MAX_POST_NAME], reason="entraide", **kwargs)
    return created.thread


async def mark_resolved(thread: discord.Thread, resolved: str) -> None:
    """The resolved tag (created if needed, before any skill tag) and the post archived."""
    forum = thread.parent
    if not isinstance(forum, discord.ForumChannel):
        return
    tag = find_tag(forum, resolved)
    if tag is None and may_add_tags(forum) and len(forum.available_tags) < MAX_TAGS:
        try:
            forum = await _add_tags(forum, [resolved])
        except discord.HTTPException as exc:
            log.warning("could not add the resolved tag to the forum %s: %s", forum.name, exc)
        tag = find_tag(forum, resolved)
    applied = list(thread.applied_tags)
    if tag is not None and tag not in applied:
        if thread.archived:  # Discord edits only open posts (one a day without a message is archived)
            thread = await thread.edit(archived=False, reason="entraide")
        applied = [*applied[: MAX_APPLIED - 1], tag]
        await thread.edit(applied_tags=applied, archived=True, reason="entraide")
    elif not thread.archived:
        await thread.edit(archived=True, reason="entraide")
