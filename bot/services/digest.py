"""The weekly digest: one post in the general channel that makes the community's week visible.

It is in the community's language and skipped when there is nothing to say: newcomers, open requests,
thanks, reminders and events of the coming week, where the member-of-the-month poll stands.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from functools import partial

import aiosqlite

from bot.clock import from_epoch, to_epoch
from bot.context import Community
from bot.jobs import JobBody, iso_week
from bot.mentions import mention, neutralize
from bot.outbox import post
from storage import digest_batch
from storage import engagement as engagement_repo
from storage.digest_batch import DigestReads
from storage.engagement import PollState

log = logging.getLogger(__name__)

WEEK = 7 * 86400

DIGEST_NEWCOMERS = 20       # mentioned by name; beyond that, "and N more"
DIGEST_REQUESTS = 5
DIGEST_THANKED = 5
DIGEST_REMINDERS = 5
DIGEST_TITLE_MAX = 80


def short_line(text: str, limit: int = DIGEST_TITLE_MAX) -> str:
    """A title on one line, neutralized, cut with an ellipsis (the digest's lines, the nudges' requests)."""
    text = " ".join(text.split())
    return neutralize(text if len(text) <= limit else text[: limit - 1] + "…")


async def compose_digest(
    conn: aiosqlite.Connection, ctx: Community, fire_time: datetime, reads: DigestReads | None = None,
) -> tuple[str, list[str], list[int | None]] | None:
    """The digest's text, the members it pings and the ids of those whose name or words it carries
    (requesters, thanked members, reminder authors, the winner), or None when the week has nothing to show.
    `reads`: what prepare_weekly_digest read for this community in this transaction (else read here)."""
    loc = ctx.locale
    until = to_epoch(fire_time)
    since = until - WEEK
    sections: list[str] = []
    mentions: list[str] = []
    about: list[int | None] = []

    if reads is None:
        reads = await _reads(conn, ctx, since, until)
    newcomers, newcomer_total = reads.newcomers, reads.newcomer_total
    if newcomers:
        names = [mention(pid) for pid in newcomers]
        if newcomer_total > len(newcomers):
            names.append(ctx.t(loc, "engagement.digest.more_people", count=newcomer_total - len(newcomers)))
        sections.append(ctx.t(loc, "engagement.digest.newcomers", count=newcomer_total,
                              names=ctx.i18n.join(loc, names)))
        mentions.extend(newcomers)

    requests, open_total = reads.requests, reads.open_total
    if requests:
        lines = [ctx.t(loc, "engagement.digest.requests_title", count=open_total)]
        for request in requests:
            about.append(request.requester_id)
            key = "engagement.digest.request_urgent" if request.urgent else "engagement.digest.request_line"
            lines.append(ctx.t(loc, key, id=request.id, title=short_line(request.title),
                               skills=neutralize(request.skills) or "—",
                               since=ctx.i18n.date(loc, from_epoch(request.created_at))))
        if open_total > len(requests):
            lines.append(ctx.t(loc, "engagement.digest.more_requests", count=open_total - len(requests)))
        sections.append("\n".join(lines))

    thanked, thanks_total = reads.thanked, reads.thanks_total
    if thanks_total:
        names = [ctx.t(loc, "engagement.digest.thanked_name", name=neutralize(handle), count=count)
                 if count > 1 else neutralize(handle) for handle, count, _member_id in thanked]
        about += [member_id for _handle, _count, member_id in thanked]
        sections.append(ctx.t(loc, "engagement.digest.thanks", count=thanks_total,
                              names=ctx.i18n.join(loc, names)))

    upcoming = reads.reminders
    if upcoming:
        lines = [ctx.t(loc, "engagement.digest.reminders_title")]
        lines += [ctx.t(loc, "engagement.digest.reminder_line", when=ctx.i18n.datetime(loc, from_epoch(at)),
                        text=short_line(text)) for at, text, _author in upcoming]
        about += [author for _at, _text, author in upcoming]
        sections.append("\n".join(lines))

    from bot.services.events import upcoming_lines

    events = await upcoming_lines(conn, ctx, loc)
    if events:
        sections.append("\n".join([ctx.t(loc, "events.digest_title"), *events]))

    poll = reads.poll
    poll_line = _poll_section(ctx, poll, since)
    if poll_line:
        sections.append(poll_line)
        about.append(poll.winner_id if poll else None)

    if not sections:
        return None
    header = ctx.t(loc, "engagement.digest.title", community=neutralize(ctx.config.community.name))
    return "\n\n".join([header, *sections]), mentions, about


async def _reads(conn: aiosqlite.Connection, ctx: Community, since: int, until: int) -> DigestReads:
    """One community's digest reads (a network's batch reads them together: prepare_weekly_digest)."""
    reads = DigestReads()
    reads.newcomers, reads.newcomer_total = await engagement_repo.newcomers_between(
        conn, ctx.guild_id, since, until, DIGEST_NEWCOMERS)
    reads.requests, reads.open_total = await engagement_repo.open_requests(conn, ctx.guild_id, DIGEST_REQUESTS)
    reads.thanked, reads.thanks_total = await engagement_repo.thanks_between(
        conn, ctx.guild_id, since, until, DIGEST_THANKED)
    reads.reminders = await engagement_repo.reminders_between(conn, ctx.guild_id, until, until + WEEK,
                                                              DIGEST_REMINDERS)
    reads.poll = await engagement_repo.latest_poll(conn, ctx.guild_id)
    return reads


async def prepare_weekly_digest(tx: aiosqlite.Connection, contexts: Sequence[Community], fire_time: datetime
                                ) -> list[JobBody | None]:
    """The digest reads of a network's batch, one statement each for all of them (storage/digest_batch.py);
    each community's body composes and posts from its share, in the transaction that read it (no digest
    writes what another one reads)."""
    until = to_epoch(fire_time)
    read = await digest_batch.digest_reads(
        tx, [ctx.guild_id for ctx in contexts], until - WEEK, until, until + WEEK,
        (DIGEST_NEWCOMERS, DIGEST_REQUESTS, DIGEST_THANKED, DIGEST_REMINDERS))
    return [partial(post_weekly_digest, reads=read[ctx.guild_id]) for ctx in contexts]


def _poll_section(ctx: Community, poll: PollState | None, since: int) -> str | None:
    """Where the member-of-the-month poll stands: nominations, vote, or last week's winner."""
    loc = ctx.locale
    if poll is None:
        return None
    if poll.status == "nominating":
        return ctx.t(loc, "engagement.digest.poll_nominating", count=poll.nominees)
    if poll.status == "open":
        closes = ctx.i18n.date(loc, from_epoch(poll.closes_at)) if poll.closes_at else "—"
        return ctx.t(loc, "engagement.digest.poll_open", count=poll.nominees, closes=closes)
    if poll.closed_at is not None and poll.closed_at >= since and poll.winner_handle:
        return ctx.t(loc, "engagement.digest.poll_winner", winner=neutralize(poll.winner_handle))
    return None


async def post_weekly_digest(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime,
                             reads: DigestReads | None = None) -> None:
    """Job body: one post in general, or nothing when the week was empty."""
    composed = await compose_digest(tx, ctx, fire_time, reads)
    week = iso_week(fire_time.astimezone(ctx.tz))
    if composed is None:
        log.info("weekly digest %s skipped: nothing to say", week)
        return
    text, mentions, about = composed
    await post(tx, ctx, ctx.config.channels.general, "weekly-digest", text, mentions=mentions,
               key=f"weekly-digest:{week}", about=about)
