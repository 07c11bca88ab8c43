"""Help across the network (issue 22): a request offered to the other communities.

`request widen` (the requester or an animator) or the hourly job (by `[network]` config: a skill nobody
here offers, or still unclaimed after `widen_rounds` local rounds or `widen_after`) offers a request to
the members of the other communities who share their profile with the network. A network round follows
local routing's rules (fairness, fatigue, languages, quiet hours, adaptive round size: bot/services/
request_routing.py), with each helper's own community's zone and night; helpers are told which community
asks. A claim from another community introduces helper and requester to each other by DM; a requester
who did not share their profile (an animator or the job widened it) is named to nobody but the helper
who took it, and only after that claim."""
from __future__ import annotations

import weakref
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite

from bot.context import Community
from bot.errors import conflict, denied, not_found
from bot.jobs import Job, cron, period_hour
from bot.mentions import neutralize
from bot.outbox import send_dm
from bot.services import network_shared as net
from bot.services.members import member_locale
from bot.services.request_notices import tell_member
from bot.services.request_posts import request_changed
from bot.services.request_routing import (
    _languages,
    candidates_wanted,
    claim_button,
    details_line,
    ping_key,
    round_size,
    skills_text,
    thread_name,
)
from bot.when_lexicon import parse_duration
from storage import engagement as engagement_repo
from storage import members as members_repo
from storage import network_requests as widened_repo
from storage import network_routing as network_routing_repo
from storage import network_shared as network_repo
from storage import requests as requests_repo
from storage.members import Member
from storage.network_routing import NetworkRouteParams, Place
from storage.requests import Request

DAY = 86400
HOUR = 3600
WIDEN_BATCH = 100


# The `[network]` settings this module reads (bot/network.py); a config without them never widens.

def _seconds(value: Any) -> int | None:
    """`widen_after` as seconds, whatever shape it comes in (a timedelta, seconds, or words like 24h)."""
    if value is None or value == "" or value == 0:
        return None
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, (int, float)):
        return int(value)
    return int(parse_duration(str(value)).total_seconds())


def auto_widen(ctx: Community) -> bool:
    return bool(net.setting(ctx, "auto_widen", False)) and net.is_network(ctx)


def widen_rounds(ctx: Community) -> int:
    return int(net.setting(ctx, "widen_rounds", ctx.config.requests.escalate_after_rounds))


def widen_after(ctx: Community) -> int:
    return _seconds(net.setting(ctx, "widen_after", None)) or 0


# Routing --------------------------------------------------------------------------------------

@dataclass
class _Places:
    """The other communities' keys, zones and nights, read once per asking community: reading 300
    configs and building 300 places took as long as the routing statement itself (docs/SCALING.md)."""

    read_from: list[tuple[str, Any]]  # (guild key, config) of each other community when read
    zones: dict[str, ZoneInfo]
    rows: list[tuple[str, str, int, int]]  # guild key, zone, night start, night end
    by_hours: dict[tuple[int, ...], tuple[Place, ...]]  # the places for each set of local hours


_PLACES: dict[int, tuple[weakref.ref[Community], _Places]] = {}  # by id(ctx), with a weak reference to tell a reused id


def places(ctx: Community) -> tuple[Place, ...]:
    """The other communities as routing needs them: guild key, zone, local hour now, default night.
    Configs are read again whenever one was replaced; the local hours are worked out each call."""
    read_from = [(other.guild_id, other.config) for other in net.others(ctx)]
    held = _PLACES.get(id(ctx))
    cache = held[1] if held is not None and held[0]() is ctx else None
    if cache is None or cache.read_from != read_from:
        rows = [(key, cfg.community.timezone, cfg.requests.night_start, cfg.requests.night_end)
                for key, cfg in read_from]
        cache = _Places(read_from, {zone: ZoneInfo(zone) for _key, zone, _ns, _ne in rows}, rows, {})
        if len(_PLACES) > 1000:  # contexts come and go in tests
            _PLACES.clear()
        _PLACES[id(ctx)] = (weakref.ref(ctx), cache)
    now = ctx.now()
    hours = tuple(now.astimezone(zone).hour for zone in cache.zones.values())
    found = cache.by_hours.get(hours)
    if found is None:
        hour_of = dict(zip(cache.zones, hours, strict=True))
        found = tuple(Place(key, zone, hour_of[zone], start, end) for key, zone, start, end in cache.rows)
        if len(cache.by_hours) > 48:
            cache.by_hours.clear()
        cache.by_hours[hours] = found
    return found


def places_plain(ctx: Community) -> list[Place]:
    """places() without the cache (tests compare the two)."""
    now = ctx.now()
    return [Place(other.guild_id, other.config.community.timezone, now.astimezone(other.config.community.tz).hour,
                  other.config.requests.night_start, other.config.requests.night_end) for other in net.others(ctx)]


async def network_params(
    tx: aiosqlite.Connection, ctx: Community, request: Request, requester: Member | None,
) -> NetworkRouteParams:
    cfg = ctx.config.requests
    now = ctx.now_ts()
    return NetworkRouteParams(
        guild_id=ctx.guild_id, request_id=request.id,
        requester_id=request.requester_id if request.requester_id is not None else -1,
        requester_platform_id=requester.platform_id if requester else "",
        skill_keys=await network_routing_repo.rarest_first(tx, request.id), keys_by_rarity=True,
        urgent=request.urgent,
        limit=candidates_wanted(ctx), fair_since=now - cfg.fairness_window_days * DAY,
        fatigue_since=now - cfg.fatigue_window_days * DAY, fatigue_cap=cfg.fatigue_cap, now=now,
        languages=_languages(requester), places=places(ctx),
    )


@dataclass(frozen=True)
class NetworkRound:
    pinged: list[Member]
    offerers: int


def _one_per_person(members: list[Member]) -> list[Member]:
    """A person in two other communities is asked once (their first membership in rank order)."""
    seen: set[str] = set()
    kept = []
    for member in members:
        if member.platform_id not in seen:
            seen.add(member.platform_id)
            kept.append(member)
    return kept


async def network_round(
    tx: aiosqlite.Connection, ctx: Community, request: Request, *, paced: bool, named: bool,
) -> NetworkRound:
    """Ask the best network-visible helpers of the other communities (one query), each through their own
    community, telling them which community asks; `named`: the requester shares their name."""
    requester = await members_repo.by_id(tx, request.requester_id) if request.requester_id else None
    params = await network_params(tx, ctx, request, requester)
    candidates = await network_routing_repo.route_candidates(tx, params)
    if not candidates and params.languages:  # as locally: anyone offering it, rather than nobody
        candidates = await network_routing_repo.route_candidates(tx, replace(params, languages=[]))
    helpers = await round_size(tx, ctx, _one_per_person(candidates))
    now = ctx.now_ts()
    await widened_repo.mark_widened(tx, request.id, now)
    if not helpers:
        return NetworkRound([], await network_routing_repo.count_network_offerers(tx, ctx.guild_id, params.skill_keys))
    await widened_repo.record_network_round(tx, request.id, [h.id for h in helpers], now)
    skills = (await requests_repo.skill_names(tx, [request.id]))[request.id]
    place = net.community_name(ctx)
    for helper in helpers:
        home = net.by_guild_key(ctx, helper.guild_id)
        if home is None:
            continue
        loc = member_locale(home, helper)
        who = neutralize(requester.handle) if requester and named else home.t(loc, "network_shared.someone")
        key = "network_shared.helper_ping_urgent" if request.urgent else "network_shared.helper_ping"
        text = home.t(loc, key, name=neutralize(helper.handle), requester=who, community=neutralize(place),
                      title=neutralize(request.title), details=details_line(request.details),
                      skills=skills_text(skills), id=request.id)
        await send_dm(tx, home, helper, "helper-ping", text, components=[claim_button(home, loc, request.id)],
                      fallback_channel=home.config.channels.help_requests, paced=paced,
                      about=[request.requester_id] if named else [], urgent=request.urgent,
                      key=ping_key(request.id, helper.id), editable=True)  # edited as the request moves
    return NetworkRound(helpers, len(helpers))


async def _requester_shares(tx: aiosqlite.Connection, request: Request) -> bool:
    return request.requester_id is not None and await network_repo.is_network(tx, request.requester_id)


async def widen_request(ctx: Community, actor: Member, is_animator: bool, request_id: int) -> NetworkRound:
    """`request widen`: the requester (who thereby shares their name with the helpers asked) or an animator,
    on an open request of this community; once members elsewhere were asked it is a conflict (the hourly
    job gives it its next network rounds), while a widen that found nobody to ask may be tried again."""
    if not net.is_network(ctx):
        raise conflict("network_shared.alone")
    async with ctx.db.transaction() as tx:
        request = await requests_repo.by_id(tx, ctx.guild_id, request_id)
        if request is None:
            found = await widened_repo.request_by_id(tx, request_id)
            home = net.by_guild_key(ctx, found[0]) if found is not None else None
            if home is not None:  # another community's: widened from there, by its people
                raise denied("network_shared.widen_elsewhere", id=request_id,
                             community=neutralize(net.community_name(home)))
            raise not_found("requests.unknown", id=request_id)
        if not (is_animator or actor.id == request.requester_id):
            raise denied("network_shared.widen_not_yours")
        if request.status != "open":
            raise conflict(f"requests.already_{request.status}" if not request.is_open
                           else "network_shared.already_helped", id=request.id)
        asked = await widened_repo.network_asked(tx, request.id)
        if asked:  # a second widen would ping nobody new (routing skips who was asked): say so, change nothing
            raise conflict("network_shared.already_widened", id=request.id, count=asked)
        named = actor.id == request.requester_id or await _requester_shares(tx, request)
        return await network_round(tx, ctx, request, paced=False, named=named)


# Claims from another community --------------------------------------------------------------------

async def foreign_request(ctx: Community, request_id: int) -> bool:
    """The id is a request of another community of the network that was offered to it."""
    found = await widened_repo.request_by_id(ctx.db.reader, request_id)
    return found is not None and found[0] != ctx.guild_id and found[1] is not None \
        and net.by_guild_key(ctx, found[0]) is not None


async def home_of_request(ctx: Community, request_id: int) -> Community:
    """The community a widened request of another community belongs to (its helpers resolve it there)."""
    found = await widened_repo.request_by_id(ctx.db.reader, request_id)
    home = net.by_guild_key(ctx, found[0]) if found else None
    if home is None:
        raise not_found("requests.unknown", id=request_id)
    return home


async def claim_widened(ctx: Community, member: Member, request_id: int) -> Request:
    """A member of another community takes a widened request: both sides introduced by DM, each in
    their own community; the others asked hear it is taken."""
    found = await widened_repo.request_by_id(ctx.db.reader, request_id)
    home = net.by_guild_key(ctx, found[0]) if found else None
    if found is None or home is None or found[1] is None:
        raise not_found("requests.unknown", id=request_id)
    async with ctx.db.transaction() as tx:
        request = await requests_repo.by_id(tx, home.guild_id, request_id)
        assert request is not None
        requester = await members_repo.by_id(tx, request.requester_id) if request.requester_id else None
        if requester is not None and requester.platform_id == member.platform_id:
            raise conflict("requests.own_request")
        if not request.is_open:
            raise conflict(f"requests.already_{request.status}", id=request.id)
        if not await network_repo.is_network(tx, member.id):
            raise denied("network_shared.share_first")
        if await requests_repo.is_helper(tx, request.id, member.id):
            raise conflict("requests.already_helping", id=request.id)
        if not await requests_repo.claim(tx, request.id, member.id, ctx.now_ts(), home.config.requests.max_helpers):
            raise conflict("requests.already_claimed", id=request.id)
        await engagement_repo.drop_request_nudges(tx, request.id)
        await _introduce(tx, ctx, home, request, member, requester)
        if await requests_repo.helper_count(tx, request.id) >= home.config.requests.max_helpers:
            await _tell_taken(tx, home, request)
        await request_changed(tx, home, request.id)  # its post in the asking community says who helps
        claimed = await requests_repo.by_id(tx, home.guild_id, request.id)
    assert claimed is not None
    return claimed


async def _introduce(
    tx: aiosqlite.Connection, ctx: Community, home: Community, request: Request, helper: Member,
    requester: Member | None,
) -> None:
    """The requester hears who helps and from where (the helper shares their profile with the network);
    the helper hears whom to write to. Nobody else is named."""
    title = neutralize(request.title)
    if requester is None or requester.left_at is not None:
        return
    rloc = member_locale(home, requester)
    await send_dm(tx, home, requester, "request-update",
                  home.t(rloc, "network_shared.intro_requester", helper=net.named(home, helper),
                         community=neutralize(net.community_name(ctx)), title=title, id=request.id),
                  fallback_channel=home.config.channels.help_requests, fallback_thread=thread_name(request.id),
                  about=[helper.id], urgent=request.urgent)
    hloc = member_locale(ctx, helper)
    await send_dm(tx, ctx, helper, "request-update",
                  ctx.t(hloc, "network_shared.intro_helper", requester=net.named(ctx, requester),
                        community=neutralize(net.community_name(home)), title=title, id=request.id),
                  fallback_channel=ctx.config.channels.help_requests, about=[requester.id], urgent=request.urgent)


async def helper_elsewhere(
    tx: aiosqlite.Connection, ctx: Community, helpers: list[Member], ref: str
) -> Member | None:
    """The helper of another community that `request resolve … thanks:` names (platform id or handle),
    when nobody here answers to it: the request's own helpers only, never a search of other places."""
    ref = ref.strip()
    if await members_repo.by_reference(tx, ctx.guild_id, ref) is not None:
        return None
    for helper in helpers:
        if (helper.guild_id != ctx.guild_id and helper.present and not helper.erased
                and (helper.platform_id == ref or helper.handle.casefold() == ref.casefold())):
            return helper
    return None


async def thank_elsewhere(
    tx: aiosqlite.Connection, ctx: Community, actor: Member, helper: Member, request: Request
) -> None:
    """Thanks stay local: no kudos in either community (neither's member of the month counts a stranger),
    a DM to the helper in their own community instead."""
    place = net.by_guild_key(ctx, helper.guild_id)
    if place is None:
        return
    loc = member_locale(place, helper)
    await send_dm(tx, place, helper, "thanks",
                  place.t(loc, "network_shared.thanks_elsewhere", who=net.named(place, actor),
                          community=neutralize(net.community_name(ctx)), title=neutralize(request.title)),
                  fallback_channel=place.config.channels.help_requests, about=[actor.id])


async def _tell_taken(tx: aiosqlite.Connection, home: Community, request: Request) -> None:
    """The others asked (here and in other communities) hear it is taken, each through their own community."""
    helper_ids = {h.id for h in await requests_repo.helper_members(tx, request.id)}
    for other in await requests_repo.pinged_members(tx, request.id):
        if other.id not in helper_ids:
            await tell_member(tx, home, request, other, "requests.taken")


# The hourly job ------------------------------------------------------------------------------------

async def widen_due(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime) -> None:
    """Widen what the config says should be (idempotent: what was widened is marked in the same write)."""
    if not auto_widen(ctx):
        return
    now = ctx.now_ts()
    cfg = ctx.config.requests
    due = await widened_repo.due_for_widening(
        tx, ctx.guild_id, rounds=widen_rounds(ctx), waited_since=now - widen_after(ctx),
        round_before=now - int(cfg.round_after_hours * HOUR), max_rounds=cfg.escalate_after_rounds,
        limit=WIDEN_BATCH)
    ids = {d.request_id for d in due} | set(await widened_repo.never_offered_here(tx, ctx.guild_id, WIDEN_BATCH))
    for request_id in sorted(ids):
        request = await requests_repo.by_id(tx, ctx.guild_id, request_id)
        if request is None or request.status != "open":
            continue
        await network_round(tx, ctx, request, paced=True, named=await _requester_shares(tx, request))


async def widen_has_work(ctx: Community, fire_time: datetime) -> bool:
    return auto_widen(ctx) and await requests_repo.has_unsettled(ctx.db.reader, ctx.guild_id)


def jobs(ctx: Community) -> list[Job]:
    return [Job("network-widen", cron(ctx.config.community.timezone, minute=30), period_hour, widen_due,
                has_work=widen_has_work)]
