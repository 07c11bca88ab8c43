"""Request posts that live (issue 17): the post in the help channel, the escalation in the animators'
channel and each helper's ping DM are edited as the request moves (claimed, resolved, cancelled,
closed, open again): a status line under the original text, the claim button greyed out or removed.
The request's thread carries a descriptive, localized name and is archived once the request is over.

The messages are found by the keys they were written under (`post_key`, `ping_key`,
`escalation_key`): the outbox edits them after they are delivered, never before, never twice.
"""
from __future__ import annotations

import unicodedata
from dataclasses import replace

import aiosqlite

from bot.context import Community
from bot.mentions import neutralize, neutralize_mentions
from bot.outbox import Component, edit, message_under, update_thread
from bot.services.members import member_locale
from bot.services.network_shared import community_name, home_of_member
from bot.services.request_routing import claim_button, escalation_key, ping_key, thread_name
from storage import requests as requests_repo
from storage.requests import Request

MAX_THREAD_NAME = 100  # Discord's limit, counted here in UTF-16 units (the stricter count)
JOINERS = {"\u200d", "\ufe0e", "\ufe0f", "\u20e3"}  # zero-width joiner, variation selectors, keycap
FINISHED = ("resolved", "cancelled", "closed")


def post_key(request_id: int) -> str:
    return f"request:{request_id}:post"


def _extends(char: str) -> bool:
    """A character that belongs to the one before it (an accent, a joiner, a skin tone, a tag)."""
    code = ord(char)
    return (unicodedata.combining(char) != 0 or char in JOINERS or 0x1F3FB <= code <= 0x1F3FF
            or 0xE0020 <= code <= 0xE007F or unicodedata.category(char) == "Me")


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def short_name(text: str, limit: int = MAX_THREAD_NAME) -> str:
    """One line of at most `limit` units, cut between characters as members see them (never inside
    an accented letter or an emoji sequence), with "…" when cut; control characters dropped."""
    text = " ".join("".join(" " if unicodedata.category(c) in ("Cc", "Cs") else c for c in text).split())
    if _units(text) <= limit:
        return text
    end = len(text)
    while end > 0 and _units(text[:end]) > limit - 1:
        end -= 1
    while end > 0 and (_extends(text[end]) or text[end - 1] == "\u200d"):
        end -= 1  # back to the start of the character the cut would split
    return text[:end].rstrip() + "…"


def thread_title(ctx: Community, request: Request) -> str:
    """`#12 · Fuite sous l'évier`, in the community's language; the title cannot ping (names are not
    Markdown, so only `@` is broken)."""
    return short_name(ctx.t(ctx.locale, "requests.thread_name", id=request.id,
                            title=neutralize_mentions(request.title)))


async def _helpers_text(tx: aiosqlite.Connection, ctx: Community, request: Request) -> str:
    """The helpers by name; one from another community of the network with it (« zoe (La Tanière) »)."""
    return ", ".join(neutralize(h.handle) if h.guild_id == ctx.guild_id else
                     f"{neutralize(h.handle)} ({neutralize(community_name(home_of_member(ctx, h)))})"
                     for h in await requests_repo.helper_members(tx, request.id))


async def _edit_pings(
    tx: aiosqlite.Connection, ctx: Community, request: Request, status_key: str, *, full: bool,
    helper_ids: set[int], **params: object,
) -> None:
    """Each pinged member's DM: their own status line; the claim button greyed out once it is full. A helper
    asked in another community of the network (a widened request) has their DM edited through that
    community (its platform, its words), where their ping was written."""
    for member in await requests_repo.pinged_members(tx, request.id):
        place = home_of_member(ctx, member)
        original = await message_under(tx, place, ping_key(request.id, member.id))
        if original is None:
            continue
        loc = member_locale(place, member)
        key = "requests.live.you_help" if member.id in helper_ids and status_key == "claimed" else \
            f"requests.live.{status_key}"
        button = claim_button(place, loc, request.id)
        if status_key in FINISHED or member.id in helper_ids:
            components: list[Component] = []
        elif full:
            components = [_disabled(button)]
        else:
            components = [button]
        await edit(tx, place, original, status=place.t(loc, key, **params), components=components,
                   about=[request.requester_id, *helper_ids])


def _disabled(button: Component) -> Component:
    return replace(button, disabled=True)


async def request_changed(tx: aiosqlite.Connection, ctx: Community, request_id: int) -> None:
    """Edit the request's messages to say where it stands now (in the caller's transaction)."""
    request = await requests_repo.by_id(tx, ctx.guild_id, request_id)
    if request is None:
        return
    loc = ctx.locale
    helpers = await _helpers_text(tx, ctx, request)
    helper_ids = {h.id for h in await requests_repo.helper_members(tx, request.id)}
    status = request.status
    full = len(helper_ids) >= ctx.config.requests.max_helpers
    button = claim_button(ctx, loc, request.id)
    components: list[Component] = [] if status in FINISHED else [_disabled(button)] if full else [button]
    key = "claimed" if status == "claimed" or (status == "open" and helpers) else \
        "open_again" if status == "open" else status
    line = ctx.t(loc, f"requests.live.{key}", helpers=helpers)
    post_id = await message_under(tx, ctx, post_key(request.id))
    about = [request.requester_id, *helper_ids]  # the status line names the helpers
    await edit(tx, ctx, post_id, status=line, components=components, about=about)
    await edit(tx, ctx, await message_under(tx, ctx, escalation_key(request.id)), status=line,
               components=components, about=about)
    await _edit_pings(tx, ctx, request, key, full=full, helper_ids=helper_ids, helpers=helpers)
    if status in FINISHED and post_id is not None:
        await update_thread(tx, ctx, ctx.config.channels.help_requests, thread_name(request.id), after=post_id,
                            archived=True, resolved=status == "resolved" or None,
                            key=f"request:{request.id}:thread:{status}")

