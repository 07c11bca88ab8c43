"""Member proposals: the community raises its needs and projects, supports them, then decides.

Choices documented here because the contract leaves them open:
- any member who accepted the charter proposes; other members support (not the author); at
  `proposals.supports_needed` supports, or when an animator runs `proposal close` on an open
  proposal, it goes to a secret vote for `proposals.vote_days`;
- voters are eligible as for the member of the month (charter, active, present, tenure); a ballot
  may be changed until the close; ballots are counted and destroyed at the close;
- a vote is valid when at least `proposals.quorum_percent` of the eligible voters took part (at least
  one); it is accepted when valid and "for" outnumbers "against" (abstentions count for the quorum
  only); the result gives the counts, never who voted what;
- an accepted proposal that needs skills asks for volunteers like a shift: a post, and DMs to a few
  members offering those skills, fairest first (same fatigue rules as help requests).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from bot.clock import from_epoch, to_epoch
from bot.context import Community
from bot.errors import conflict, denied, invalid, not_found, rate_limited
from bot.jobs import Job, period_instant
from bot.mentions import neutralize
from bot.outbox import Component, edit, message_under, post, send_dm
from bot.services.event_input import text_option
from bot.services.members import member_locale
from bot.services.moderation import record_case
from bot.services.polls import check_voter
from bot.services.skills import canonical
from storage import events as events_repo
from storage import members as members_repo
from storage import proposals as proposals_repo
from storage.members import Member
from storage.proposals import Proposal

MAX_TITLE = 100
MAX_DETAILS = 1000
MAX_NEEDS = 5
CHOICES = ("for", "against", "abstain")
# A vote as members say it (`proposal vote 3 pour`, « je m'abstiens »).
VOTE_WORDS = {"pour": "for", "contre": "against", "abstention": "abstain", "yes": "for", "no": "against",
              "oui": "for", "non": "against", "je vote pour": "for", "je vote contre": "against",
              "je m'abstiens": "abstain", "m'abstiens": "abstain", "abstiens": "abstain", "s'abstenir": "abstain",
              "abstenir": "abstain", "blanc": "abstain", "vote blanc": "abstain", "neutre": "abstain",
              "abstaining": "abstain", "in favour": "for", "in favor": "for"}
DAY = 86400


@dataclass(frozen=True)
class ProposalView:
    proposal: Proposal
    supports: int
    author: Member | None


async def _view(conn: aiosqlite.Connection, proposal: Proposal) -> ProposalView:
    author = await members_repo.by_id(conn, proposal.author_id) if proposal.author_id else None
    return ProposalView(proposal, await proposals_repo.support_count(conn, proposal.id), author)


async def _load(conn: aiosqlite.Connection, ctx: Community, proposal_id: int) -> Proposal:
    proposal = await proposals_repo.by_id(conn, ctx.guild_id, proposal_id)
    if proposal is None:
        raise not_found("proposals.detail.unknown", id=proposal_id)
    return proposal


def author_name(ctx: Community, locale: str, view: ProposalView) -> str:
    if view.author is None or view.author.erased:
        return ctx.t(locale, "common.former_member")
    return neutralize(view.author.handle)


def support_button(ctx: Community, locale: str, proposal_id: int) -> Component:
    return Component(f"proposal:support:{proposal_id}", ctx.t(locale, "proposals.support_button"))


def vote_select(ctx: Community, locale: str, proposal_id: int) -> Component:
    options = tuple({"value": c, "label": ctx.t(locale, f"proposals.choice.{c}")} for c in CHOICES)
    return Component(f"proposal:vote:{proposal_id}", ctx.t(locale, "proposals.vote_select"), options=options)


def title_words(ctx: Community, locale: str, proposal: Proposal) -> str:
    """The title as typed; a proposal whose author's data was erased kept its tally, not their words:
    « titre effacé » / "title erased", never an empty title."""
    return neutralize(proposal.title) if proposal.title else ctx.t(locale, "proposals.title_erased")


def describe(ctx: Community, locale: str, view: ProposalView) -> str:
    p = view.proposal
    lines = [ctx.t(locale, "proposals.card_title", id=p.id, title=title_words(ctx, locale, p),
                   author=author_name(ctx, locale, view)),
             ctx.t(locale, f"proposals.status.{p.status}")]
    if p.details:
        lines.append(neutralize(p.details))
    if p.need_list:
        lines.append(ctx.t(locale, "proposals.needs_line", needs=", ".join(neutralize(n) for n in p.need_list)))
    if p.status == "open":
        lines.append(ctx.t(locale, "proposals.supports_line", count=view.supports,
                           needed=ctx.config.proposals.supports_needed))
    if p.status == "voting" and p.closes_at:
        lines.append(ctx.t(locale, "proposals.closes_line", when=ctx.i18n.datetime(locale, from_epoch(p.closes_at))))
    if p.status in ("accepted", "rejected"):
        lines.append(ctx.t(locale, "proposals.tally_line", yes=p.votes_for or 0, no=p.votes_against or 0,
                           abstain=p.votes_abstain or 0))
    return "\n".join(lines)


# Proposing and supporting ----------------------------------------------------------------------

async def propose(ctx: Community, author: Member, title: str, details: str | None,
                  needs: list[str] | None) -> ProposalView:
    title = text_option(title, "title", MAX_TITLE, required=True)
    details = text_option(details, "details", MAX_DETAILS)
    if needs and len(needs) > MAX_NEEDS:
        raise invalid("proposals.detail.too_many_needs", max=MAX_NEEDS, count=MAX_NEEDS)
    need_names = list(dict.fromkeys(canonical(ctx, n)[1] for n in needs or []))
    async with ctx.db.transaction() as tx:
        if await proposals_repo.live_by_author(tx, ctx.guild_id, author.id) >= ctx.config.proposals.max_open_per_member:
            raise rate_limited("proposals.detail.too_many_open", max=ctx.config.proposals.max_open_per_member,
                               count=ctx.config.proposals.max_open_per_member)
        proposal_id = await proposals_repo.insert(tx, ctx.guild_id, author.id, title, details,
                                                  ",".join(need_names), ctx.now_ts())
        view = await _view(tx, await _load(tx, ctx, proposal_id))
        loc = ctx.locale
        text = ctx.t(loc, "proposals.posted") + "\n" + describe(ctx, loc, view)
        await post(tx, ctx, ctx.config.channels.general, "proposal", text,
                   components=[support_button(ctx, loc, proposal_id)], key=f"proposal:{proposal_id}:posted",
                   editable=True)
        return view


async def list_proposals(ctx: Community) -> list[ProposalView]:
    return [await _view(ctx.db.reader, p) for p in await proposals_repo.listed(ctx.db.reader, ctx.guild_id)]


async def show_proposal(ctx: Community, proposal_id: int) -> ProposalView:
    return await _view(ctx.db.reader, await _load(ctx.db.reader, ctx, proposal_id))


async def support(ctx: Community, member: Member, proposal_id: int) -> ProposalView:
    async with ctx.db.transaction() as tx:
        proposal = await _load(tx, ctx, proposal_id)
        if proposal.status != "open":
            raise conflict("proposals.detail.not_open", id=proposal_id)
        if proposal.author_id == member.id:
            raise conflict("proposals.detail.own")
        if not await proposals_repo.add_support(tx, proposal_id, member.id, ctx.now_ts()):
            raise conflict("proposals.detail.already_supported", id=proposal_id)
        if await proposals_repo.support_count(tx, proposal_id) >= ctx.config.proposals.supports_needed:
            await _open_vote(tx, ctx, proposal)
        else:
            await _posts_changed(tx, ctx, proposal_id)  # one more support, as the post counts them
        return await _view(tx, await _load(tx, ctx, proposal_id))


async def withdraw(ctx: Community, member: Member, is_animator: bool, proposal_id: int) -> Proposal:
    async with ctx.db.transaction() as tx:
        proposal = await _load(tx, ctx, proposal_id)
        if proposal.author_id != member.id and not is_animator:
            raise denied("proposals.detail.not_author")
        if proposal.status not in proposals_repo.LIVE:
            raise conflict("proposals.detail.decided", id=proposal_id)
        await proposals_repo.update_fields(tx, proposal_id, status="withdrawn", closed_at=ctx.now_ts())
        await proposals_repo.destroy_ballots(tx, proposal_id)
        if proposal.author_id != member.id:
            await record_case(tx, ctx, member, "proposal-withdraw", None, f"#{proposal_id} {proposal.title[:80]}")
        await _posts_changed(tx, ctx, proposal_id)
        return await _load(tx, ctx, proposal_id)


# The vote -----------------------------------------------------------------------------------------

def _closes_at(ctx: Community) -> int:
    local = ctx.now().astimezone(ctx.tz)
    later = (local.replace(tzinfo=None) + timedelta(days=ctx.config.proposals.vote_days)).replace(tzinfo=ctx.tz)
    return to_epoch(later)


async def _open_vote(tx: aiosqlite.Connection, ctx: Community, proposal: Proposal) -> None:
    closes = _closes_at(ctx)
    await proposals_repo.update_fields(tx, proposal.id, status="voting", voting_at=ctx.now_ts(), closes_at=closes)
    view = await _view(tx, await _load(tx, ctx, proposal.id))
    loc = ctx.locale
    text = ctx.t(loc, "proposals.vote_open", when=ctx.i18n.datetime(loc, from_epoch(closes))) + "\n" + \
        describe(ctx, loc, view)
    await post(tx, ctx, ctx.config.channels.general, "proposal-vote", text,
               components=[vote_select(ctx, loc, proposal.id)], key=f"proposal-vote:{proposal.id}", editable=True)
    await _posts_changed(tx, ctx, proposal.id)


async def _posts_changed(tx: aiosqlite.Connection, ctx: Community, proposal_id: int) -> None:
    """The proposal's post and its vote post show where it stands (issue 17): supports counted, the
    support button gone once the vote opens, the vote's menu gone once it is decided or withdrawn."""
    view = await _view(tx, await _load(tx, ctx, proposal_id))
    status, loc = view.proposal.status, ctx.locale
    posted = await message_under(tx, ctx, f"proposal:{proposal_id}:posted")
    lead = ctx.t(loc, "proposals.posted") + "\n" if status == "open" else ""  # « Soutenez-la… » while it can be
    await edit(tx, ctx, posted, text=lead + describe(ctx, loc, view),
               components=[support_button(ctx, loc, proposal_id)] if status == "open" else [])
    voting = await message_under(tx, ctx, f"proposal-vote:{proposal_id}")
    if voting is not None and status != "voting":  # no more "au vote, jusqu'au …": the vote as it ended
        await edit(tx, ctx, voting, text=ctx.t(loc, "proposals.vote_closed") + "\n" + describe(ctx, loc, view),
                   components=[])


async def vote(ctx: Community, voter: Member, proposal_id: int, choice: str) -> None:
    choice = " ".join((choice or "").strip().lower().replace("’", "'").split())
    choice = VOTE_WORDS.get(choice, choice)
    if choice not in CHOICES:
        raise invalid("proposals.detail.bad_choice")
    check_voter(ctx, voter)
    async with ctx.db.transaction() as tx:
        proposal = await _load(tx, ctx, proposal_id)
        if proposal.status != "voting":
            raise conflict("proposals.detail.not_voting", id=proposal_id)
        await proposals_repo.cast_ballot(tx, proposal_id, voter.id, choice, ctx.now_ts())


async def close(ctx: Community, animator: Member, proposal_id: int) -> Proposal:
    """An animator ends the support phase (the vote opens) or the vote (the result is posted)."""
    async with ctx.db.transaction() as tx:
        proposal = await _load(tx, ctx, proposal_id)
        if proposal.status == "open":
            await _open_vote(tx, ctx, proposal)
        elif proposal.status == "voting":
            await _close_vote(tx, ctx, proposal)
        else:
            raise conflict("proposals.detail.decided", id=proposal_id)
        await record_case(tx, ctx, animator, "proposal-close", None, f"#{proposal_id} {proposal.title[:80]}")
        return await _load(tx, ctx, proposal_id)


async def _close_vote(tx: aiosqlite.Connection, ctx: Community, proposal: Proposal) -> None:
    counts = await proposals_repo.tally(tx, proposal.id)
    cast = sum(counts.values())
    tenure = ctx.now_ts() - ctx.config.motm.voter_min_days * DAY
    eligible = await proposals_repo.eligible_voters(tx, ctx.guild_id, tenure)
    needed = max(1, -(-eligible * ctx.config.proposals.quorum_percent // 100))
    quorum = cast >= needed
    accepted = quorum and counts["for"] > counts["against"]
    await proposals_repo.update_fields(
        tx, proposal.id, status="accepted" if accepted else "rejected", closed_at=ctx.now_ts(),
        votes_for=counts["for"], votes_against=counts["against"], votes_abstain=counts["abstain"],
    )
    await proposals_repo.destroy_ballots(tx, proposal.id)
    view = await _view(tx, await _load(tx, ctx, proposal.id))
    loc = ctx.locale
    if accepted:
        key = "proposals.result_accepted"
    elif not quorum:
        key = "proposals.result_no_quorum"
    else:
        key = "proposals.result_rejected"
    text = ctx.t(loc, key, id=proposal.id, title=neutralize(proposal.title), yes=counts["for"],
                 no=counts["against"], abstain=counts["abstain"], count=cast, needed=needed)
    await post(tx, ctx, ctx.config.channels.general, "proposal-result", text, key=f"proposal-result:{proposal.id}")
    if accepted and view.proposal.need_list:
        await _call_volunteers(tx, ctx, view)
    await _posts_changed(tx, ctx, proposal.id)
    if view.author is not None and view.author.present and not view.author.erased:
        aloc = member_locale(ctx, view.author)
        await send_dm(tx, ctx, view.author, "proposal-result",
                      ctx.t(aloc, key, id=proposal.id, title=neutralize(proposal.title), yes=counts["for"],
                            no=counts["against"], abstain=counts["abstain"], count=cast, needed=needed))


async def _call_volunteers(tx: aiosqlite.Connection, ctx: Community, view: ProposalView) -> None:
    """An accepted proposal asks members offering the skills it needs, fairest first (like a shift); the
    members asked are recorded (proposal_call) and weigh, as help pings and shift calls do, on who is
    asked next."""
    from bot.services.skills import skill_key

    cfg = ctx.config
    now = ctx.now_ts()
    candidates = await events_repo.call_candidates(
        tx, ctx.guild_id, None, [skill_key(n) for n in view.proposal.need_list], now=now,
        fatigue_since=now - cfg.requests.fatigue_window_days * DAY, fatigue_cap=cfg.requests.fatigue_cap,
        limit=cfg.events.max_call_dms,
    )
    candidates = [m for m in candidates if m.id != view.proposal.author_id]
    await proposals_repo.record_calls(tx, view.proposal.id, [m.id for m in candidates], now)
    author = author_name(ctx, ctx.locale, view)
    for member in candidates:
        loc = member_locale(ctx, member)
        text = ctx.t(loc, "proposals.volunteer_dm", name=neutralize(member.handle),
                     title=neutralize(view.proposal.title), author=author,
                     needs=", ".join(neutralize(n) for n in view.proposal.need_list), id=view.proposal.id)
        await send_dm(tx, ctx, member, "proposal-volunteers", text, paced=True)


async def close_due(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime) -> None:
    for proposal in await proposals_repo.voting_due(tx, ctx.guild_id, to_epoch(fire_time)):
        await _close_vote(tx, ctx, proposal)


async def next_close_due(ctx: Community, after: datetime) -> datetime | None:
    found = await proposals_repo.next_close_after(ctx.db.reader, ctx.guild_id, to_epoch(after))
    return from_epoch(found) if found is not None else None


def jobs(ctx: Community) -> list[Job]:
    from apscheduler.triggers.interval import IntervalTrigger

    return [Job(name="proposal-close", trigger=IntervalTrigger(minutes=1, timezone=ctx.tz), period=period_instant,
                body=close_due, next_due=next_close_due)]
