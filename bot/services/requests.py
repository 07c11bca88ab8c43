"""Help requests: opening, claim, resolve, cancel, thanks and the hourly escalation job.

Who a request pings and when (routing rounds) lives in bot/services/request_routing.py.

Choices documented here because the contract leaves them open:
- claiming one's own request is `conflict` (like self-thanks and self-vote);
- `request list` shows open and claimed requests (open first), `mine` only the caller's own;
- only members who accepted the charter are pinged (before that they are not members yet);
- a request for a skill nobody offers is escalated at once; it still gets its later rounds (a
  helper may have joined since), and it is never escalated twice; one whose offerers are all asleep
  (or all asked a lot this week) is not: the requester hears how many offer it and when they are asked;
- after `escalate_after_rounds` rounds the animators take over: no more automatic rounds.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.context import Community
from bot.errors import DomainError, conflict, denied, invalid, not_found, rate_limited
from bot.jobs import Job, cron, period_hour
from bot.live import shown_name
from bot.mentions import mention, neutralize, neutralize_inline
from bot.outbox import post, send_dm
from bot.services import limits, network_requests
from bot.services import network_shared as net
from bot.services.members import member_locale, resolve_member
from bot.services.moderation import record_case
from bot.services.network_shared import by_guild_key
from bot.services.request_notices import follow_up, resolve_button, tell_helpers, tell_member  # noqa: F401 - resolve_button is part of this face
from bot.services.request_posts import post_key, request_changed, thread_title
from bot.services.request_routing import (  # noqa: F401 - route_params is part of this service's face
    candidates_wanted,
    claim_button,
    details_line,
    escalate,
    route_params,
    route_round,
    skills_text,
    thread_name,
)
from bot.services.skills import canonical, canonical_list, ensure_skills, find_skill_ids
from storage import engagement as engagement_repo
from storage import kudos as kudos_repo
from storage import members as members_repo
from storage import network_requests as widened_repo
from storage import network_shared as network_repo
from storage import requests as requests_repo
from storage.members import Member
from storage.requests import Request

MAX_TITLE = 100
MAX_DETAILS = 1000
MAX_SKILLS = 5
MAX_REASON = 500
LIST_LIMIT = 1000  # what `request list` pages through (25 a page); past that, a skill narrows it
DAY = 86400
HOUR = 3600


@dataclass(frozen=True)
class OpenedRequest:
    request: Request
    skills: list[str]
    pinged: list[Member]
    offerers: int = 0  # members offering a requested skill, reachable now or not
    next_at: int | None = None  # nobody pinged yet but some offer it: when they will be asked
    asleep: bool = False  # ... because they are all in their quiet hours (else: all asked a lot lately)


@dataclass(frozen=True)
class ListedRequest:
    request: Request
    skills: list[str]
    community: Community | None = None  # another community's request, widened to the network; None: here


# Opening ------------------------------------------------------------------------------------

async def open_request(
    ctx: Community, requester: Member, title: str, details: str, skills: list[str], urgent: bool
) -> OpenedRequest:
    """Post the request, ping the best helpers; nobody matching is said honestly and escalated."""
    title, details = title.strip(), (details or "").strip()
    if not title:
        raise invalid("common.detail.missing_option", option="title")
    if len(title) > MAX_TITLE:
        raise invalid("common.detail.too_long", option="title", max=MAX_TITLE)
    if len(details) > MAX_DETAILS:
        raise invalid("common.detail.too_long", option="details", max=MAX_DETAILS)
    pairs = canonical_list(ctx, skills, MAX_SKILLS)
    if not pairs:
        raise invalid("common.detail.missing_option", option="skills")
    cfg = ctx.config.requests
    async with ctx.db.transaction() as tx:
        if await requests_repo.count_open_by(tx, requester.id) >= cfg.max_open_per_member:
            raise rate_limited("requests.too_many_open", count=cfg.max_open_per_member)
        await limits.take(tx, ctx, requester.id, "request", cfg.max_new_per_day, DAY)
        request_id = await requests_repo.insert(tx, ctx.guild_id, requester.id, title, details, urgent, ctx.now_ts())
        await requests_repo.add_skills(tx, request_id, await ensure_skills(tx, ctx, pairs))
        request = await requests_repo.by_id(tx, ctx.guild_id, request_id)
        assert request is not None
        names = (await requests_repo.skill_names(tx, [request_id]))[request_id]
        loc = ctx.locale
        key = "requests.post_urgent" if urgent else "requests.post"
        text = ctx.t(loc, key, id=request_id, requester=neutralize(requester.handle), title=neutralize(title),
                     details=details_line(details), skills=skills_text(names))
        await post(tx, ctx, ctx.config.channels.help_requests, "request", text,
                   components=[claim_button(ctx, loc, request_id)], create_thread=thread_name(request_id),
                   thread_name=thread_title(ctx, request), about=[requester.id], key=post_key(request_id),
                   editable=True, extra={"tags": names})
        first = await route_round(tx, ctx, request, 1, paced=False)
        request = await requests_repo.by_id(tx, ctx.guild_id, request_id)
        assert request is not None
        if not first.offerers and not first.pinged:
            # Only a skill nobody offers alerts the animators; offerers asleep or busy are asked later.
            await escalate(tx, ctx, request, names, nobody=True, paced=False)
    ctx.live.publish("request", request.created_at, who=shown_name(requester), skills=tuple(names), ref=request.id)
    next_at = first.next_at
    if not first.pinged and first.offerers and next_at is None:
        next_at = ctx.now_ts() + int(cfg.round_after_hours * HOUR)
    return OpenedRequest(request, names, first.pinged, first.offerers, next_at, asleep=first.next_at is not None)


# Listing ------------------------------------------------------------------------------------

async def list_requests(ctx: Community, member: Member, skill: str | None, mine: bool) -> list[ListedRequest]:
    """Open and claimed requests (open first, urgent first, longest waiting first); `mine`: the caller's.
    A member who shares their profile with the network also sees the other communities' widened requests
    (offered to the network-visible members of the other communities, who may claim them), each with its
    community."""
    conn = ctx.db.reader
    skill_id = None
    key = None
    if skill:
        key, _display = canonical(ctx, skill)
        found = await find_skill_ids(conn, ctx, [key])
        skill_id = found.get(key)
    rows = [] if skill and skill_id is None else await requests_repo.listing(
        conn, ctx.guild_id, requests_repo.OPEN_STATUSES, skill_id, member.id if mine else None, LIST_LIMIT)
    homes: dict[str, Community] = {}
    if not mine and net.is_network(ctx) and await network_repo.is_network(conn, member.id):
        homes = {other.guild_id: other for other in net.others(ctx)}
        rows += await widened_repo.widened_elsewhere(conn, list(homes), member.platform_id,
                                                     requests_repo.OPEN_STATUSES, key, LIST_LIMIT)
        rows.sort(key=lambda r: (r.status == "claimed", not r.urgent, r.created_at, r.id))
    names = await requests_repo.skill_names(conn, [r.id for r in rows])
    return [ListedRequest(r, names[r.id], homes.get(r.guild_id)) for r in rows]


# Claim --------------------------------------------------------------------------------------

async def _load(tx: aiosqlite.Connection, ctx: Community, request_id: int) -> Request:
    request = await requests_repo.by_id(tx, ctx.guild_id, request_id)
    if request is None:
        raise not_found("requests.unknown", id=request_id)
    return request


def _finished(request: Request) -> DomainError:
    return conflict(f"requests.already_{request.status}", id=request.id)


async def claim_request(ctx: Community, member: Member, request_id: int) -> Request:
    """First claims win up to `max_helpers`; the requester hears who is coming, the others that it is taken."""
    cfg = ctx.config.requests
    async with ctx.db.transaction() as tx:
        request = await _load(tx, ctx, request_id)
        if request.requester_id == member.id:
            raise conflict("requests.own_request")
        if not request.is_open:
            raise _finished(request)
        if await requests_repo.is_helper(tx, request.id, member.id):
            raise conflict("requests.already_helping", id=request.id)
        # The conditional INSERT is what settles a race: only claims that find room are written.
        if not await requests_repo.claim(tx, request.id, member.id, ctx.now_ts(), cfg.max_helpers):
            raise conflict("requests.already_claimed", id=request.id)
        await engagement_repo.drop_request_nudges(tx, request.id, ctx.key_prefix)  # nudges not sent yet never go now
        title = neutralize(request.title)
        requester = await members_repo.by_id(tx, request.requester_id) if request.requester_id else None
        if requester is not None and requester.left_at is None:
            rloc = member_locale(ctx, requester)
            await send_dm(tx, ctx, requester, "request-update",
                          ctx.t(rloc, "requests.helper_coming", helper=mention(member.platform_id),
                                title=title, id=request.id),
                          fallback_channel=ctx.config.channels.help_requests, fallback_thread=thread_name(request.id),
                          about=[member.id], urgent=request.urgent)
        if await requests_repo.helper_count(tx, request.id) >= cfg.max_helpers:
            helper_ids = {h.id for h in await requests_repo.helper_members(tx, request.id)}
            for other in await requests_repo.pinged_members(tx, request.id):
                if other.id not in helper_ids:  # those asked in other communities: through their own
                    await tell_member(tx, ctx, request, other, "requests.taken")
        await request_changed(tx, ctx, request.id)
        claimed = await requests_repo.by_id(tx, ctx.guild_id, request.id)
    assert claimed is not None
    ctx.live.publish("claim", ctx.now_ts(), who=shown_name(member), other=shown_name(requester), ref=request.id)
    return claimed


# Resolve, cancel, close -----------------------------------------------------------------------

async def resolve_request(
    ctx: Community, actor: Member, is_animator: bool, request_id: int, thanks: str | None
) -> tuple[Request, int | None]:
    """Requester, helper or animator marks it done; thanks become kudos (and count as help given)."""
    async with ctx.db.transaction() as tx:
        request = await _load(tx, ctx, request_id)
        helpers = await requests_repo.helper_members(tx, request.id)
        if not (is_animator or actor.id == request.requester_id or actor.id in {h.id for h in helpers}):
            raise denied("requests.not_yours")
        if not request.is_open:
            raise _finished(request)
        # A helper who came from another community is thanked there (thanks stay local).
        elsewhere = await network_requests.helper_elsewhere(tx, ctx, helpers, thanks) if thanks else None
        thanked = elsewhere or (await resolve_member(tx, ctx, thanks) if thanks else None)
        if thanked is not None and not thanked.present:  # as `thanks` does: only present members
            raise not_found("common.detail.unknown_member", member=str(thanks)[:60])
        if thanked is not None and thanked.id == actor.id:
            raise conflict("requests.self_thanks")
        if thanked is not None:  # the same daily limit as `thanks`; refused, the request stays open
            await limits.take(tx, ctx, actor.id, "thanks", ctx.config.requests.max_thanks_per_day, DAY)
        now = ctx.now_ts()
        await requests_repo.finish(tx, request.id, "resolved", now)
        kudos_id = None
        if elsewhere is not None:
            await network_requests.thank_elsewhere(tx, ctx, actor, elsewhere, request)
        elif thanked is not None:
            if not helpers and thanked.id != request.requester_id:
                # Helped outside a claim: record it so it counts on their profile.
                await requests_repo.add_helper(tx, request.id, thanked.id, now)
            kudos_id = await kudos_repo.insert(tx, ctx.guild_id, actor.id, thanked.id, None, request.id, now)
            loc = ctx.locale
            await post(tx, ctx, ctx.config.channels.general, "thanks",
                       ctx.t(loc, "requests.thanks_for_request", who=neutralize(actor.handle),
                             helper=mention(thanked.platform_id), title=neutralize(request.title)),
                       mentions=[thanked.platform_id], about=[actor.id, request.requester_id])
        await request_changed(tx, ctx, request.id)
        resolved = await requests_repo.by_id(tx, ctx.guild_id, request.id)
    assert resolved is not None
    ctx.live.publish("resolved", now, who=shown_name(actor), ref=request.id)
    if thanked is not None:
        ctx.live.publish("thanks", now, who=shown_name(actor), other=shown_name(thanked), ref=request.id)
    return resolved, kudos_id


async def cancel_request(ctx: Community, actor: Member, is_animator: bool, request_id: int) -> Request:
    """The requester (or an animator) withdraws it; the helpers asked are told they can stop."""
    async with ctx.db.transaction() as tx:
        request = await _load(tx, ctx, request_id)
        if not (is_animator or actor.id == request.requester_id):
            raise denied("requests.not_yours_to_cancel")
        if not request.is_open:
            raise _finished(request)
        await requests_repo.finish(tx, request.id, "cancelled", ctx.now_ts())
        await tell_helpers(tx, ctx, request, "requests.cancelled_update", skip={actor.id})
        await request_changed(tx, ctx, request.id)
        cancelled = await requests_repo.by_id(tx, ctx.guild_id, request.id)
    assert cancelled is not None
    return cancelled


async def close_request(ctx: Community, animator: Member, request_id: int, reason: str) -> Request:
    """An animator closes any request (spam, duplicate): audited, requester and helpers told."""
    reason = reason.strip()
    if not reason:
        raise invalid("common.detail.missing_option", option="reason")
    async with ctx.db.transaction() as tx:
        request = await _load(tx, ctx, request_id)
        if not request.is_open:
            raise _finished(request)
        await requests_repo.finish(tx, request.id, "closed", ctx.now_ts())
        requester = await members_repo.by_id(tx, request.requester_id) if request.requester_id else None
        await record_case(tx, ctx, animator, "close-request", requester, f"#{request.id}: {reason}")
        await tell_helpers(tx, ctx, request, "requests.closed_update", skip={animator.id})
        if requester is not None and requester.left_at is None and requester.id != animator.id:
            rloc = member_locale(ctx, requester)
            await send_dm(tx, ctx, requester, "request-update",
                          ctx.t(rloc, "requests.closed_for_requester", title=neutralize(request.title),
                                id=request.id, reason=neutralize_inline(reason)),
                          fallback_channel=ctx.config.channels.help_requests, fallback_thread=thread_name(request.id))
        await request_changed(tx, ctx, request.id)
        closed = await requests_repo.by_id(tx, ctx.guild_id, request.id)
    assert closed is not None
    return closed


# Thanks -------------------------------------------------------------------------------------

async def thank_member(ctx: Community, actor: Member, ref: str, reason: str | None) -> tuple[int, Member]:
    """Public thanks: a kudos row and a post mentioning the member (counted for member of the month)."""
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > MAX_REASON:
        raise invalid("common.detail.too_long", option="reason", max=MAX_REASON)
    cfg = ctx.config.requests
    async with ctx.db.transaction() as tx:
        target = await resolve_member(tx, ctx, ref)
        if target.left_at is not None:
            raise not_found("common.detail.unknown_member", member=ref[:60])
        if target.id == actor.id:
            raise conflict("requests.self_thanks")
        await limits.take(tx, ctx, actor.id, "thanks", cfg.max_thanks_per_day, DAY)
        kudos_id = await kudos_repo.insert(tx, ctx.guild_id, actor.id, target.id, reason, None, ctx.now_ts())
        loc = ctx.locale
        key = "requests.thanks_post_reason" if reason else "requests.thanks_post"
        await post(tx, ctx, ctx.config.channels.general, "thanks",
                   ctx.t(loc, key, who=neutralize(actor.handle), member=mention(target.platform_id),
                         reason=neutralize(reason or "")),
                   mentions=[target.platform_id], about=[actor.id])
    ctx.live.publish("thanks", ctx.now_ts(), who=shown_name(actor), other=shown_name(target))
    return kudos_id, target


# A member leaves ------------------------------------------------------------------------------

async def on_member_left(tx: aiosqlite.Connection, ctx: Community, member: Member) -> None:
    """Cancel the leaver's open requests and reopen the ones they had claimed (in the caller's tx)."""
    now = ctx.now_ts()
    for request in await requests_repo.open_requested_by(tx, member.id):
        await requests_repo.finish(tx, request.id, "cancelled", now)
        await tell_helpers(tx, ctx, request, "requests.cancelled_update", skip={member.id}, paced=True)
        await request_changed(tx, ctx, request.id)
    for request in await requests_repo.claimed_by(tx, member.id):
        home = by_guild_key(ctx, request.guild_id) or ctx  # a request of another community they helped with
        await requests_repo.remove_helper(tx, request.id, member.id)
        await request_changed(tx, home, request.id)  # open again, or one helper fewer
        reopened = await requests_repo.by_id(tx, home.guild_id, request.id)
        if reopened is None or reopened.status != "open":
            continue  # another helper is still on it
        requester = await members_repo.by_id(tx, reopened.requester_id) if reopened.requester_id else None
        if requester is not None and requester.left_at is None:
            rloc = member_locale(home, requester)
            await send_dm(tx, home, requester, "request-update",
                          home.t(rloc, "requests.helper_left", title=neutralize(reopened.title), id=reopened.id),
                          fallback_channel=home.config.channels.help_requests,
                          fallback_thread=thread_name(reopened.id), paced=True)
        await route_round(tx, home, reopened, reopened.rounds + 1, paced=True, exclude=(member.id,))


# The hourly job ------------------------------------------------------------------------------

# A backlog (after downtime, or a bulk import) is worked through in bounded batches, oldest first,
# so one run never holds the writer (or a start-up catch-up) for minutes; the rest waits an hour.
ESCALATION_BATCH = 200

async def escalate_requests(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime) -> None:
    """Unclaimed: next round, then the animators once; claimed for long: ask both if it is done."""
    cfg = ctx.config.requests
    now = ctx.now_ts()
    due = await requests_repo.due_for_round(
        tx, ctx.guild_id, now - int(cfg.round_after_hours * HOUR), now - int(cfg.urgent_round_after_hours * HOUR),
        cfg.escalate_after_rounds, limit=ESCALATION_BATCH, now=now,
    )
    for request in due:
        if request.rounds < cfg.escalate_after_rounds:
            await route_round(tx, ctx, request, request.rounds + 1, paced=True)
        elif request.escalated_at is None:
            skills = (await requests_repo.skill_names(tx, [request.id]))[request.id]
            await escalate(tx, ctx, request, skills, nobody=False, paced=True)
    for request in await requests_repo.due_for_followup(
        tx, ctx.guild_id, now - cfg.followup_after_days * DAY, limit=ESCALATION_BATCH
    ):
        await follow_up(tx, ctx, request)


async def escalation_has_work(ctx: Community, fire_time: datetime) -> bool:
    """A cheap read first: an hour with no open or claimed request costs no write transaction."""
    return await requests_repo.has_unsettled(ctx.db.reader, ctx.guild_id)


def jobs(ctx: Community) -> list[Job]:
    return [Job("request-escalation", cron(ctx.config.community.timezone, minute=0), period_hour,
                escalate_requests, has_work=escalation_has_work)]
