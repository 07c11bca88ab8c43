"""Member of the month: nominations, secret eligible voting, the result and the role rotation.

How a month goes (one poll per month, `poll.month` is unique):
- Opening (job `motm-open` on `motm.open_day` at `motm.open_time`, or `motm open` by an animator):
  nominees are the `thanks_nominees` present, active members most thanked during the previous
  calendar month (community time), last month's winner excluded. With nominees the ballot is posted
  in `general` (kind `motm-poll`, select `motm:vote:<poll_id>`) and voting starts at once.
- Nominations (`motm nominate`) are accepted during the first `nomination_days` days, up to
  `max_nominees`. The ballot is one message: each accepted nomination edits it (its select lists every
  nominee) and the new nominee hears it in a DM; the close edits it once more, without the select.
- With no nominee at the opening there is no ballot: the animators channel is told, and the poll
  waits in `nominating` status; the first manual nomination posts the ballot. Still no nominee when
  the window ends: the poll closes quietly then. With no nomination window at all, no poll is created.
- Votes: one ballot per voter, changeable until the close. Only the number of ballots is ever shown
  before the close; at the close ballots are counted into `nomination.votes` and destroyed.
- Closing (`motm-close`, due at `closes_at`, or `motm close`): the most voted nominee wins; ties go
  to more thanks received in the month the nominations were based on, then longer membership, then
  the lower id. No ballot at all: no winner. The `member-of-the-month` role moves to the winner.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from bot.clock import from_epoch, to_epoch
from bot.context import Community
from bot.errors import conflict, not_eligible, not_found
from bot.jobs import Job, cron, period_month
from bot.mentions import neutralize
from bot.outbox import change_role, post
from bot.services import limits
from bot.services.members import resolve_member
from bot.services.moderation import record_case
from bot.services.motm_ballot import close_ballot, post_ballot, post_result
from storage import jobs as jobs_repo
from storage import members as members_repo
from storage import polls as polls_repo
from storage.members import Member
from storage.polls import Nominee, Poll

Words = Callable[[str | None], str]  # a text rendered in a language

DAY = 86400
NOMINATION_ACTION = "nomination"


@dataclass(frozen=True)
class VoteResult:
    poll_id: int
    voted_for: str  # the nominee's display name, for the text
    changed: bool
    ballots: int
    voted_for_ref: str = ""  # the nominee as `data` names members (their platform id)


@dataclass(frozen=True)
class NominationResult:
    poll_id: int
    nominee: str  # the nominee's display name, for the text
    nominee_ref: str = ""  # the nominee as `data` names members (their platform id)


@dataclass(frozen=True)
class OpenResult:
    poll_id: int | None
    nominees: list[str]
    nominations_until: datetime | None
    voters_warning: Words | None = None  # for the animator, in a language: nobody may vote yet, and from when


@dataclass(frozen=True)
class CloseResult:
    poll_id: int
    winner: str | None


# Calendar -----------------------------------------------------------------------------------------

def month_of(ctx: Community, when: datetime) -> str:
    return period_month(when.astimezone(ctx.tz))


def thanks_window(ctx: Community, month: str) -> tuple[int, int]:
    """The calendar month before `month` (YYYY-MM), in community time, as [since, until) epochs."""
    year, number = (int(part) for part in month.split("-"))
    start = datetime(year, number, 1, tzinfo=ctx.tz)
    prev_year, prev_number = (year, number - 1) if number > 1 else (year - 1, 12)
    return to_epoch(datetime(prev_year, prev_number, 1, tzinfo=ctx.tz)), to_epoch(start)


def days_later(ctx: Community, when: datetime, days: int) -> datetime:
    """Same wall-clock time `days` calendar days later (DST-safe)."""
    local = when.astimezone(ctx.tz)
    return (local.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=ctx.tz)


# Eligibility ------------------------------------------------------------------------------------

def check_voter(ctx: Community, member: Member) -> None:
    """Voters (and nominators): charter accepted, active, present, member long enough."""
    if member.left_at is not None or member.erased:
        raise not_eligible("polls.not_eligible.absent")
    if member.charter_accepted_at is None:
        raise not_eligible("polls.not_eligible.charter")
    if not member.active:
        raise not_eligible("polls.not_eligible.inactive")
    min_days = ctx.config.motm.voter_min_days
    eligible_at = member.joined_at + min_days * DAY
    if ctx.now_ts() < eligible_at:
        raise not_eligible("polls.not_eligible.tenure", days=min_days,
                           date=ctx.i18n.datetime(member.locale, from_epoch(eligible_at)))


async def check_nominable(tx: aiosqlite.Connection, ctx: Community, nominee: Member) -> None:
    if nominee.left_at is not None or nominee.erased:
        raise not_eligible("polls.not_nominable.absent", member=neutralize(nominee.handle))
    if not nominee.active:
        raise not_eligible("polls.not_nominable.inactive", member=neutralize(nominee.handle))
    if ctx.config.motm.exclude_last_winner and await polls_repo.last_winner(tx, ctx.guild_id) == nominee.id:
        raise not_eligible("polls.not_nominable.last_winner", member=neutralize(nominee.handle))


# Opening ----------------------------------------------------------------------------------------

async def open_poll(ctx: Community, animator: Member) -> OpenResult:
    """`motm open`: this month's poll, by hand (audited); a month has one poll (else `conflict`)."""
    async with ctx.db.transaction() as tx:
        month = month_of(ctx, ctx.now())
        existing = await polls_repo.by_month(tx, ctx.guild_id, month)
        # A month whose automatic poll found nobody and closed empty may be opened again by hand.
        if existing is not None and not await polls_repo.delete_if_empty(tx, existing.id):
            raise conflict("polls.already_opened")
        result = await open_month(tx, ctx, month, by_hand=True)
        if result.poll_id is None:
            raise conflict("polls.no_nominees_no_window")
        await record_case(tx, ctx, animator, "motm-open", None, month)
    return result


async def open_month(tx: aiosqlite.Connection, ctx: Community, month: str, by_hand: bool = False) -> OpenResult:
    """Create `month`'s poll with the thanks-based nominees and announce it (in the caller's tx).

    The job (on the 1st) counts the previous calendar month's thanks; an animator opening by hand
    later in the month counts those and this month's so far, so recent thanks are not ignored.
    """
    cfg = ctx.config.motm
    if await polls_repo.by_month(tx, ctx.guild_id, month) is not None:
        return OpenResult(None, [], None)
    now = ctx.now()
    since, until = thanks_window(ctx, month)
    if by_hand:
        until = max(until, to_epoch(now) + 1)
    excluded = []
    if cfg.exclude_last_winner:
        winner = await polls_repo.last_winner(tx, ctx.guild_id)
        if winner is not None:
            excluded.append(winner)
    limit = min(cfg.thanks_nominees, cfg.max_nominees)
    nominee_ids = await polls_repo.most_thanked(tx, ctx.guild_id, since, until, limit, excluded)
    window_end = days_later(ctx, now, cfg.nomination_days)
    if not nominee_ids and cfg.nomination_days == 0:
        await post(tx, ctx, ctx.config.channels.animators, "motm-notice",
                   ctx.t(ctx.locale, "polls.empty_month"))
        return OpenResult(None, [], None)
    poll_id = await polls_repo.insert(
        tx, guild_id=ctx.guild_id, month=month, status="open" if nominee_ids else "nominating",
        opened_at=to_epoch(now), closes_at=to_epoch(days_later(ctx, now, cfg.duration_days)),
        nominations_until=to_epoch(window_end), thanks_from=since, thanks_until=until,
    )
    await polls_repo.add_nominations(tx, poll_id, [(i, None, "thanks", to_epoch(now)) for i in nominee_ids])
    poll = await polls_repo.by_id(tx, ctx.guild_id, poll_id)
    assert poll is not None
    if not nominee_ids:
        await post(tx, ctx, ctx.config.channels.animators, "motm-notice",
                   ctx.t(ctx.locale, "polls.empty_month_nominations",
                         until=ctx.i18n.datetime(ctx.locale, window_end)))
        return OpenResult(poll_id, [], window_end, await _warn_if_nobody_can_vote(tx, ctx, poll))
    nominees = await polls_repo.nominees(tx, poll_id)
    await post_ballot(tx, ctx, poll, nominees, new_nominee=None)
    warning = await _warn_if_nobody_can_vote(tx, ctx, poll)
    return OpenResult(poll_id, [n.handle for n in nominees], window_end if cfg.nomination_days else None, warning)


async def _warn_if_nobody_can_vote(tx: aiosqlite.Connection, ctx: Community, poll: Poll) -> Words | None:
    """A poll nobody may vote in yet (a young community): the animators hear when the first voters can;
    the words are returned as a function of the language, so the animator's reply is in their own."""
    min_days = ctx.config.motm.voter_min_days
    now = ctx.now_ts()
    eligible, first_joined = await polls_repo.voter_outlook(tx, ctx.guild_id, now - min_days * DAY)
    if eligible:
        return None

    def words(loc: str | None) -> str:
        closes = ctx.i18n.datetime(loc, from_epoch(poll.closes_at))
        if first_joined is None:
            return ctx.t(loc, "polls.no_voters_at_all", days=min_days, closes=closes)
        first = first_joined + min_days * DAY
        key = "polls.no_voters_yet" if first < poll.closes_at else "polls.no_voters_before_close"
        return ctx.t(loc, key, days=min_days, date=ctx.i18n.datetime(loc, from_epoch(first)), closes=closes)

    await post(tx, ctx, ctx.config.channels.animators, "motm-notice", words(ctx.locale))
    return words


# Nominations ------------------------------------------------------------------------------------

async def nominate(ctx: Community, nominator: Member, nominee_ref: str) -> NominationResult:
    """`motm nominate`: an eligible member adds a nominee during the nomination window."""
    cfg = ctx.config.motm
    async with ctx.db.transaction() as tx:
        poll = await polls_repo.latest(tx, ctx.guild_id)
        if poll is None:
            raise not_found("polls.no_poll")
        if poll.status == "closed" or ctx.now_ts() >= poll.nominations_until:
            raise conflict("polls.nominations_closed")
        me = await members_repo.by_id(tx, nominator.id)
        assert me is not None
        check_voter(ctx, me)
        nominee = await resolve_member(tx, ctx, nominee_ref)
        if nominee.id == me.id:
            raise conflict("polls.self_nomination")
        await check_nominable(tx, ctx, nominee)
        current = await polls_repo.nominees(tx, poll.id)
        if any(n.member_id == nominee.id for n in current):
            raise conflict("polls.already_nominated", member=neutralize(nominee.handle))
        if len([n for n in current if n.present]) >= cfg.max_nominees:
            raise conflict("polls.too_many_nominees", count=cfg.max_nominees)
        await limits.take(tx, ctx, me.id, NOMINATION_ACTION, cfg.max_nominations_per_day, DAY)
        await polls_repo.add_nominations(tx, poll.id, [(nominee.id, me.id, "manual", ctx.now_ts())])
        if poll.status == "nominating":
            await polls_repo.set_status(tx, poll.id, "open")
        nominees = await polls_repo.nominees(tx, poll.id)
        added = next(n for n in nominees if n.member_id == nominee.id)
        await post_ballot(tx, ctx, poll, nominees, new_nominee=added if poll.status == "open" else None)
    return NominationResult(poll.id, nominee.handle, nominee.platform_id)


# Voting -----------------------------------------------------------------------------------------

def _find_nominee(nominees: list[Nominee], ref: str) -> Nominee | None:
    ref = ref.strip().lstrip("@")
    for nominee in nominees:
        if nominee.platform_id == ref:
            return nominee
    folded = ref.casefold()
    return next((n for n in nominees if n.handle.casefold() == folded), None)


async def vote(ctx: Community, voter: Member, poll_id: int | None, nominee_ref: str) -> VoteResult:
    """Cast or change the voter's one ballot (`motm vote` without a poll id: the latest poll)."""
    async with ctx.db.transaction() as tx:
        if poll_id is None:
            poll = await polls_repo.latest(tx, ctx.guild_id)
        else:
            poll = await polls_repo.by_id(tx, ctx.guild_id, poll_id)
        if poll is None:
            raise not_found("polls.no_poll")
        if poll.status == "closed" or ctx.now_ts() >= poll.closes_at:
            raise conflict("polls.poll_closed")
        me = await members_repo.by_id(tx, voter.id)
        assert me is not None
        check_voter(ctx, me)
        nominees = [n for n in await polls_repo.nominees(tx, poll.id) if n.present]
        if poll.status != "open" or not nominees:
            raise not_found("polls.no_poll")
        chosen = _find_nominee(nominees, nominee_ref)
        if chosen is None:
            itself = await members_repo.by_reference(tx, ctx.guild_id, nominee_ref.strip().lstrip("@"))
            if itself is not None and itself.id == me.id:
                raise conflict("polls.self_vote")
            raise not_found("polls.not_a_nominee", member=neutralize(nominee_ref[:60]))
        if chosen.member_id == me.id:
            raise conflict("polls.self_vote")
        changed = await polls_repo.cast_vote(tx, poll.id, me.id, chosen.member_id, ctx.now_ts())
        ballots = await polls_repo.ballots_cast(tx, poll.id)
    return VoteResult(poll.id, chosen.handle, changed, ballots, chosen.platform_id)


# Closing ----------------------------------------------------------------------------------------

async def close_current(ctx: Community, animator: Member) -> CloseResult:
    """`motm close`: close the latest poll now (audited)."""
    async with ctx.db.transaction() as tx:
        poll = await polls_repo.latest(tx, ctx.guild_id)
        if poll is None:
            raise not_found("polls.no_poll")
        if poll.status == "closed":
            raise conflict("polls.poll_closed")
        result = await close_poll(tx, ctx, poll)
        await record_case(tx, ctx, animator, "motm-close", None, poll.month)
    return result


def _rank_key(n: Nominee, votes: dict[int, int], thanks: dict[int, int]) -> tuple[int, int, int, int]:
    return (-votes.get(n.member_id, 0), -thanks.get(n.member_id, 0), n.joined_at, n.member_id)


async def close_poll(tx: aiosqlite.Connection, ctx: Community, poll: Poll) -> CloseResult:
    """Count, announce, move the role, then forget the ballots (in the caller's transaction)."""
    nominees = [n for n in await polls_repo.nominees(tx, poll.id) if n.present]
    votes = await polls_repo.tally(tx, poll.id)
    ballots = await polls_repo.ballots_cast(tx, poll.id)
    thanks = await polls_repo.thanks_received(
        tx, ctx.guild_id, poll.thanks_from, poll.thanks_until, [n.member_id for n in nominees]
    )
    ranked = sorted(nominees, key=lambda n: _rank_key(n, votes, thanks))
    winner = ranked[0] if ranked and votes.get(ranked[0].member_id, 0) > 0 else None
    now = ctx.now_ts()
    await polls_repo.record_tallies(tx, poll.id, {n.member_id: votes.get(n.member_id, 0) for n in nominees})
    await polls_repo.destroy_ballots(tx, poll.id)
    await polls_repo.mark_closed(tx, poll.id, now, winner.member_id if winner else None, ballots)
    key = ctx.key(f"motm-close:{poll.month}")
    if not await jobs_repo.has_run(tx, key):
        await jobs_repo.record_run(tx, key, "motm-close", now)
    await close_ballot(tx, ctx, poll)
    if nominees:
        await post_result(tx, ctx, nominees, votes, winner, ballots)
    if winner is not None:
        await _rotate_role(tx, ctx, winner.member_id)
    return CloseResult(poll.id, winner.handle if winner else None)


async def _rotate_role(tx: aiosqlite.Connection, ctx: Community, winner_id: int) -> None:
    """The role leaves its holders (last month's winner) and goes to the new winner."""
    role = ctx.config.roles.member_of_the_month
    for holder in await members_repo.with_role(tx, ctx.guild_id, role):
        if holder.id == winner_id:
            continue
        await members_repo.remove_role(tx, holder.id, role)
        if holder.left_at is None and not holder.erased:
            await change_role(tx, ctx, holder, role, add=False)
    if role not in await members_repo.roles(tx, winner_id):
        winner = await members_repo.by_id(tx, winner_id)
        assert winner is not None
        await members_repo.add_role(tx, winner_id, role)
        await change_role(tx, ctx, winner, role, add=True)


# Jobs -------------------------------------------------------------------------------------------

async def open_job(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime) -> None:
    await open_month(tx, ctx, month_of(ctx, fire_time))


async def close_due_polls(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime) -> None:
    """Close every poll whose time is up (restarts and catch-up included: a closed poll stays closed)."""
    for poll in await polls_repo.due_to_close(tx, ctx.guild_id, ctx.now_ts()):
        await close_poll(tx, ctx, poll)


async def next_close_due(ctx: Community, after: datetime) -> datetime | None:
    when = await polls_repo.next_close_at(ctx.db.reader, ctx.guild_id)
    return from_epoch(when) if when is not None else None


def jobs(ctx: Community) -> list[Job]:
    cfg = ctx.config.motm
    hour, minute = (int(part) for part in cfg.open_time.split(":"))
    tz = ctx.config.community.timezone
    return [
        Job("motm-open", cron(tz, day=cfg.open_day, hour=hour, minute=minute), period_month, open_job),
        # Due at each poll's `closes_at`; the poll's status makes it run once (key `[<id>/]motm-close:<month>`).
        Job("motm-close", cron(tz, minute="*"), period_month, close_due_polls, next_due=next_close_due),
    ]
