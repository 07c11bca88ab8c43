"""Help requests: who a request pings and when (routing rounds), and escalation to the animators.

Routing is one SQL statement (storage/routing.py `route_candidates`): this module computes its
parameters (time windows, the community's local hour and night, the requester's languages) and
records and announces each round. Split from bot/services/requests.py (opening, claims, resolution)."""
from __future__ import annotations

import aiosqlite

from bot.context import Community
from bot.mentions import neutralize
from bot.outbox import Component, post, send_dm
from bot.services.members import member_locale
from storage import members as members_repo
from storage import requests as requests_repo
from storage import routing as routing_repo
from storage.members import Member
from storage.requests import Request
from storage.routing import RouteParams

DAY = 86400


def thread_name(request_id: int) -> str:
    return f"request-{request_id}"


def claim_button(ctx: Community, locale: str, request_id: int) -> Component:
    return Component(f"request:claim:{request_id}", ctx.t(locale, "requests.claim_button"))


def skills_text(names: list[str]) -> str:
    return ", ".join(neutralize(n) for n in names)


# Routing ------------------------------------------------------------------------------------

def _languages(member: Member | None) -> list[str]:
    if member is None:
        return []
    return sorted({lang.strip().lower() for lang in member.languages.split(",") if lang.strip()})


def route_params(
    ctx: Community, request: Request, requester: Member | None, exclude: tuple[int, ...] = ()
) -> RouteParams:
    """The routing query's parameters: windows from the config, local hours, the requester's languages."""
    cfg = ctx.config.requests
    now = ctx.now_ts()
    return RouteParams(
        guild_id=ctx.guild_id, request_id=request.id,
        requester_id=request.requester_id if request.requester_id is not None else -1,
        urgent=request.urgent, limit=cfg.helpers_per_round,
        fair_since=now - cfg.fairness_window_days * DAY, fatigue_since=now - cfg.fatigue_window_days * DAY,
        fatigue_cap=cfg.fatigue_cap, community_tz=ctx.config.community.timezone,
        community_hour=ctx.local().hour, now=now, languages=_languages(requester),
        exclude=exclude,
    )


async def route_round(
    tx: aiosqlite.Connection, ctx: Community, request: Request, round_no: int, *, paced: bool,
    exclude: tuple[int, ...] = (),
) -> list[Member]:
    """Ping the next helpers (one query), record every ping and the round, DM each a claim button."""
    requester = await members_repo.by_id(tx, request.requester_id) if request.requester_id else None
    helpers = await routing_repo.route_candidates(tx, route_params(ctx, request, requester, exclude))
    await requests_repo.record_round(tx, request.id, [h.id for h in helpers], round_no, ctx.now_ts())
    if not helpers:
        return helpers
    skills = (await requests_repo.skill_names(tx, [request.id]))[request.id]
    for helper in helpers:
        loc = member_locale(ctx, helper)
        who = neutralize(requester.handle) if requester else ctx.t(loc, "requests.someone")
        key = "requests.helper_ping_urgent" if request.urgent else "requests.helper_ping"
        text = ctx.t(loc, key, name=neutralize(helper.handle), requester=who, title=neutralize(request.title),
                     details=neutralize(request.details) or "—", skills=skills_text(skills), id=request.id)
        await send_dm(tx, ctx, helper, "helper-ping", text, components=[claim_button(ctx, loc, request.id)],
                      fallback_channel=ctx.config.channels.help_requests, fallback_thread=thread_name(request.id),
                      paced=paced, about=[request.requester_id])
    return helpers


async def escalate(
    tx: aiosqlite.Connection, ctx: Community, request: Request, skills: list[str], *, nobody: bool, paced: bool
) -> None:
    """Tell the animators (once per request) and, after unanswered rounds, the requester."""
    loc = ctx.locale
    requester = await members_repo.by_id(tx, request.requester_id) if request.requester_id else None
    who = neutralize(requester.handle) if requester else ctx.t(loc, "requests.someone")
    key = "requests.escalation_nobody" if nobody else "requests.escalation_unanswered"
    text = ctx.t(loc, key, id=request.id, title=neutralize(request.title), skills=skills_text(skills),
                 requester=who, rounds=request.rounds)
    await post(tx, ctx, ctx.config.channels.animators, "escalation", text,
               components=[claim_button(ctx, loc, request.id)], paced=paced, about=[request.requester_id])
    await requests_repo.mark_escalated(tx, request.id, ctx.now_ts())
    if not nobody and requester is not None and requester.left_at is None:
        rloc = member_locale(ctx, requester)
        await send_dm(tx, ctx, requester, "request-update",
                      ctx.t(rloc, "requests.still_looking", title=neutralize(request.title), id=request.id),
                      fallback_channel=ctx.config.channels.help_requests, fallback_thread=thread_name(request.id),
                      paced=paced)
