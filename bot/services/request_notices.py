"""What a request's people are told by DM as it moves (taken, cancelled, closed, "is it done?"), and the
button that marks it resolved. Split from bot/services/requests.py, which re-exports these.

A request widened to the network (bot/services/network_requests.py) has helpers asked in other communities:
each of them is told through their own community (its platform, its help channel as fallback, its
default language), the requester through the asking community, whichever community the change came from."""
from __future__ import annotations

import aiosqlite

from bot.context import Community
from bot.mentions import neutralize
from bot.outbox import Component, send_dm
from bot.services.members import member_locale
from bot.services.network_shared import home_of_member, named_from
from bot.services.request_routing import thread_name
from storage import members as members_repo
from storage import requests as requests_repo
from storage.members import Member
from storage.requests import Request


def resolve_button(ctx: Community, locale: str, request_id: int) -> Component:
    return Component(f"request:resolve:{request_id}", ctx.t(locale, "requests.resolve_button"), style="success")


async def tell_member(
    tx: aiosqlite.Connection, ctx: Community, request: Request, member: Member, key: str, *, paced: bool = False,
    about: list[int | None] | None = None, with_resolve: bool = False, **params: object,
) -> None:
    """One `request-update` DM about `request` (of `ctx`) to a helper or a member asked, through their own
    community; the request's thread is a fallback only in the request's own community (it has none elsewhere)."""
    place = home_of_member(ctx, member)
    loc = member_locale(place, member)
    here = place.guild_id == ctx.guild_id
    await send_dm(tx, place, member, "request-update",
                  place.t(loc, key, title=neutralize(request.title), id=request.id, **params),
                  components=[resolve_button(place, loc, request.id)] if with_resolve else (),
                  fallback_channel=place.config.channels.help_requests,
                  fallback_thread=thread_name(request.id) if here else None, paced=paced,
                  about=list(about if about is not None else [request.requester_id]))


async def tell_helpers(
    tx: aiosqlite.Connection, ctx: Community, request: Request, key: str, *, skip: set[int], paced: bool = False,
    **params: object,
) -> None:
    """One `request-update` DM to each pinged helper and each helper (once each)."""
    people = {m.id: m for m in await requests_repo.pinged_members(tx, request.id)}
    people.update({m.id: m for m in await requests_repo.helper_members(tx, request.id) if m.left_at is None})
    for member_id in sorted(people):
        if member_id in skip:
            continue
        await tell_member(tx, ctx, request, people[member_id], key, paced=paced, **params)


async def follow_up(tx: aiosqlite.Connection, ctx: Community, request: Request) -> None:
    """One DM to the requester and to each helper: is it done? (with a button to say so)."""
    requester = await members_repo.by_id(tx, request.requester_id) if request.requester_id else None
    helpers = [h for h in await requests_repo.helper_members(tx, request.id) if h.left_at is None]
    title = neutralize(request.title)
    if requester is not None and requester.left_at is None:
        loc = member_locale(ctx, requester)
        names = ", ".join(named_from(ctx, h) for h in helpers) or ctx.t(loc, "common.nobody")
        await send_dm(tx, ctx, requester, "request-update",
                      ctx.t(loc, "requests.followup_requester", title=title, id=request.id, helper=names),
                      components=[resolve_button(ctx, loc, request.id)],
                      fallback_channel=ctx.config.channels.help_requests, fallback_thread=thread_name(request.id),
                      paced=True, about=[h.id for h in helpers])
    for helper in helpers:
        place = home_of_member(ctx, helper)
        who = (neutralize(requester.handle) if place.guild_id == ctx.guild_id else named_from(place, requester)) \
            if requester else place.t(member_locale(place, helper), "common.former_member")
        await tell_member(tx, ctx, request, helper, "requests.followup_helper", paced=True, with_resolve=True,
                          requester=who)
    await requests_repo.mark_followup(tx, request.id, ctx.now_ts())
