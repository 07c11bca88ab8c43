"""Help requests: who a request pings and when (routing rounds), and escalation to the animators.

Routing is one SQL statement (storage/routing.py `route_candidates`): this module computes its
parameters (time windows, the community's local hour and night, the requester's languages) and
records and announces each round. Split from bot/services/requests.py (opening, claims, resolution)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from bot.clock import from_epoch, to_epoch
from bot.context import Community
from bot.mentions import neutralize
from bot.outbox import Component, post, send_dm
from bot.quiet_hours import member_zone
from bot.services.members import member_locale
from storage import members as members_repo
from storage import requests as requests_repo
from storage import routing as routing_repo
from storage.members import Member
from storage.requests import Request
from storage.routing import RouteParams

DAY = 86400


def thread_name(request_id: int) -> str:
    """The key later posts name the request's thread by (members read `thread_title`, request_posts.py)."""
    return f"request-{request_id}"


def ping_key(request_id: int, member_id: int) -> str:
    """The outbox key of a helper's ping DM (edited when the request moves: request_posts.py)."""
    return f"request:{request_id}:ping:{member_id}"


def escalation_key(request_id: int) -> str:
    return f"request:{request_id}:escalation"


def claim_button(ctx: Community, locale: str, request_id: int) -> Component:
    return Component(f"request:claim:{request_id}", ctx.t(locale, "requests.claim_button"))


def skills_text(names: list[str]) -> str:
    return ", ".join(neutralize(n) for n in names)


def details_line(details: str | None) -> str:
    """A request's details as the line under its title, or nothing when it has none (a lone « — »
    line read as a glitch)."""
    text = neutralize(details or "").strip()
    return "\n" + text if text else ""


# Routing ------------------------------------------------------------------------------------

_languages = routing_repo.route_languages  # network_requests reads it here


def route_params(
    ctx: Community, request: Request, requester: Member | None, exclude: tuple[int, ...] = ()
) -> RouteParams:
    """The routing query's parameters: windows from the config, local hours and the community's night,
    the requester's languages; as many candidates as an adaptive round may take."""
    cfg = ctx.config.requests
    now = ctx.now_ts()
    return RouteParams(
        guild_id=ctx.guild_id, request_id=request.id,
        requester_id=request.requester_id if request.requester_id is not None else -1,
        urgent=request.urgent, limit=candidates_wanted(ctx),
        fair_since=now - cfg.fairness_window_days * DAY, fatigue_since=now - cfg.fatigue_window_days * DAY,
        fatigue_cap=cfg.fatigue_cap, community_tz=ctx.config.community.timezone,
        community_hour=ctx.local().hour, now=now, languages=_languages(requester),
        exclude=exclude, night_start=cfg.night_start, night_end=cfg.night_end,
    )


def candidates_wanted(ctx: Community) -> int:
    cfg = ctx.config.requests
    if not cfg.adaptive_rounds:
        return cfg.helpers_per_round
    return max(cfg.helpers_per_round, cfg.max_helpers_per_round)


# How likely a candidate is to answer: their claims over their settled pings of the last
# HISTORY_DAYS, pulled towards PRIOR (a member with little history) by PRIOR_WEIGHT pings' worth,
# and lowered by LOAD for each ping of the last 7 days (the more they were asked, the less they answer).
HISTORY_DAYS = 60
PRIOR = 0.35
PRIOR_WEIGHT = 3.0
LOAD = 0.85


def answer_chance(pings: int, claims: int, pings_this_week: int) -> float:
    return min(0.95, (claims + PRIOR * PRIOR_WEIGHT) / (pings + PRIOR_WEIGHT)) * LOAD ** pings_this_week


def wanted_chance(ctx: Community) -> float:
    """The chance of an answer a round aims for: what helpers_per_round members new to the bot give."""
    return 1 - (1 - PRIOR) ** ctx.config.requests.helpers_per_round - 1e-9


async def round_size(tx: aiosqlite.Connection, ctx: Community, candidates: list[Member]) -> list[Member]:
    """The best candidates, as many as it takes for the chance that one answers (by their recent claims,
    ignored pings and load) that helpers_per_round new members give, at most max_helpers_per_round;
    with adaptive rounds off, helpers_per_round."""
    cfg = ctx.config.requests
    if not cfg.adaptive_rounds or not candidates:
        return candidates[:cfg.helpers_per_round]
    now = ctx.now_ts()
    history = await routing_repo.answer_history(
        tx, [m.id for m in candidates], now - HISTORY_DAYS * DAY, now - DAY, now - 7 * DAY)
    chosen: list[Member] = []
    nobody = 1.0
    for member in candidates[:cfg.max_helpers_per_round]:
        chosen.append(member)
        nobody *= 1 - answer_chance(*history.get(member.id, (0, 0, 0)))
        if 1 - nobody >= wanted_chance(ctx):
            break
    return chosen


def _zone(name: str | None, fallback: str) -> ZoneInfo:
    """The member's zone (in any case, as routing's local_hour reads it); an unknown one counts as the
    community's, as routing does."""
    return member_zone(name, ZoneInfo(fallback))


def wakes_at(ctx: Community, member: Member, now: int) -> int | None:
    """The end of the member's quiet hours (or of the community's night) after `now`; None: no night."""
    cfg = ctx.config.requests
    own = member.quiet_start is not None and member.quiet_end is not None
    start, end = (member.quiet_start, member.quiet_end) if own else (cfg.night_start, cfg.night_end)
    if start == end or start is None or end is None:
        return None
    local = from_epoch(now).astimezone(_zone(member.timezone, ctx.config.community.timezone))
    wake = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if wake <= local:
        wake += timedelta(days=1)
    return to_epoch(wake)


@dataclass(frozen=True)
class Round:
    """What a round did: who was pinged; else how many offer the skills and when it will try again."""

    pinged: list[Member]
    offerers: int = 0
    next_at: int | None = None  # nobody reachable now: the round waits until the first of them wakes


async def route_round(
    tx: aiosqlite.Connection, ctx: Community, request: Request, round_no: int, *, paced: bool,
    exclude: tuple[int, ...] = (),
) -> Round:
    """Ping the best reachable helpers (one query), record the pings and the round, DM each a claim button.

    Nobody speaking the requester's languages can be asked: anyone offering the skills may be (less
    likely to answer, better than nobody). Nobody reachable now but some only asleep (their quiet
    hours, or the community's night): the round is not spent, it waits until the first of them wakes.
    """
    params = route_params(ctx, request, None, exclude)  # the requester and their languages come with the helpers
    requester, candidates = await routing_repo.route_request(tx, params)
    params = replace(params, languages=_languages(requester))
    if not candidates and params.languages:
        params = replace(params, languages=[])
        candidates = await routing_repo.route_candidates(tx, params)
    helpers = await round_size(tx, ctx, candidates)
    now = ctx.now_ts()
    if not helpers:
        offerers = await routing_repo.count_offerers(tx, ctx.guild_id, request.id, params.requester_id)
        if offerers and not request.urgent:
            asleep = await routing_repo.route_candidates(tx, replace(params, urgent=True))
            wakes = [w for m in asleep if (w := wakes_at(ctx, m, now)) is not None]
            if wakes:
                await requests_repo.defer_round(tx, request.id, min(wakes))
                return Round([], offerers, min(wakes))
        await requests_repo.record_round(tx, request.id, [], round_no, now)
        return Round([], offerers)
    await requests_repo.record_round(tx, request.id, [h.id for h in helpers], round_no, now)
    skills = (await requests_repo.skill_names(tx, [request.id]))[request.id]
    for helper in helpers:
        loc = member_locale(ctx, helper)
        who = neutralize(requester.handle) if requester else ctx.t(loc, "common.former_member")
        key = "requests.helper_ping_urgent" if request.urgent else "requests.helper_ping"
        text = ctx.t(loc, key, name=neutralize(helper.handle), requester=who, title=neutralize(request.title),
                     details=details_line(request.details), skills=skills_text(skills), id=request.id)
        await send_dm(tx, ctx, helper, "helper-ping", text, components=[claim_button(ctx, loc, request.id)],
                      fallback_channel=ctx.config.channels.help_requests, fallback_thread=thread_name(request.id),
                      paced=paced, about=[request.requester_id], urgent=request.urgent,
                      key=ping_key(request.id, helper.id), editable=True)
    return Round(helpers)


def next_try_words(ctx: Community, locale: str, at: int, member: Member | None) -> str:
    """When the next round goes, on the member's own clock, in the one date style ("mercredi 2 décembre à 8 h")."""
    zone = _zone(member.timezone if member else None, ctx.config.community.timezone)
    return ctx.i18n.datetime(locale, from_epoch(at), zone)


async def escalate(
    tx: aiosqlite.Connection, ctx: Community, request: Request, skills: list[str], *, nobody: bool, paced: bool
) -> None:
    """Tell the animators (once per request) and, after unanswered rounds, the requester."""
    loc = ctx.locale
    requester = await members_repo.by_id(tx, request.requester_id) if request.requester_id else None
    who = neutralize(requester.handle) if requester else ctx.t(loc, "common.former_member")
    key = "requests.escalation_nobody" if nobody else "requests.escalation_unanswered"
    text = ctx.t(loc, key, id=request.id, title=neutralize(request.title), skills=skills_text(skills),
                 requester=who, count=request.rounds)
    await post(tx, ctx, ctx.config.channels.animators, "escalation", text,
               components=[claim_button(ctx, loc, request.id)], paced=paced, about=[request.requester_id],
               key=escalation_key(request.id), editable=True)
    await requests_repo.mark_escalated(tx, request.id, ctx.now_ts())
    if not nobody and requester is not None and requester.left_at is None:
        rloc = member_locale(ctx, requester)
        await send_dm(tx, ctx, requester, "request-update",
                      ctx.t(rloc, "requests.still_looking", title=neutralize(request.title), id=request.id),
                      fallback_channel=ctx.config.channels.help_requests, fallback_thread=thread_name(request.id),
                      paced=paced)
