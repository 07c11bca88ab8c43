"""Member of the month: the ballot and the result as members see them in `general`; the ballot is
one message, edited as nominations come and closed at the end (issue 17).

Split from bot/services/polls.py (the month's rules: nominations, votes, the close and the role).
"""
from __future__ import annotations

import asyncio

import aiosqlite

from bot import charts
from bot.clock import from_epoch
from bot.context import Community
from bot.mentions import mention, neutralize, neutralize_mentions
from bot.outbox import Attachment, Component, edit, message_under, post, send_dm
from bot.services.members import member_locale
from storage import members as members_repo
from storage.polls import Nominee, Poll


def ballot_component(ctx: Community, poll: Poll, nominees: list[Nominee]) -> Component:
    # The value names the nominee as `data` does (their platform id): two people may share a display name.
    options = tuple({"label": neutralize_mentions(n.handle)[:100], "value": n.platform_id[:100]} for n in nominees)
    return Component(f"motm:vote:{poll.id}", ctx.t(ctx.locale, "polls.select_label"), options=options)


def ballot_key(poll_id: int) -> str:
    """The outbox key of the month's one ballot message (edited as nominations come, closed at the end)."""
    return f"motm:{poll_id}:ballot"


async def post_ballot(
    tx: aiosqlite.Connection, ctx: Community, poll: Poll, all_nominees: list[Nominee], new_nominee: Nominee | None
) -> None:
    """The month's one ballot in `general`: posted once (pinging every nominee), then edited in place
    as nominations come (an edit pings nobody: the new nominee hears it in a DM)."""
    loc = ctx.locale
    nominees = [n for n in all_nominees if n.present]
    closes = ctx.i18n.datetime(loc, from_epoch(poll.closes_at))
    window_open = ctx.now_ts() < poll.nominations_until
    window_end = ctx.i18n.datetime(loc, from_epoch(poll.nominations_until))
    nominations = ctx.t(loc, "polls.nominations_open", until=window_end) if window_open else ""
    pinged = [n.platform_id for n in nominees]
    text = ctx.t(loc, "polls.ballot", who=ctx.i18n.join(loc, [mention(p) for p in pinged]),
                 closes=closes, nominations=nominations).strip()
    about = [n.member_id for n in nominees]
    ballot = await message_under(tx, ctx, ballot_key(poll.id))
    if ballot is None:
        await post(tx, ctx, ctx.config.channels.general, "motm-poll", text, mentions=pinged,
                   components=[ballot_component(ctx, poll, nominees)], about=about, key=ballot_key(poll.id),
                   editable=True)
        return
    await edit(tx, ctx, ballot, text=text, components=[ballot_component(ctx, poll, nominees)], about=about)
    member = await members_repo.by_id(tx, new_nominee.member_id) if new_nominee is not None else None
    if member is not None and member.left_at is None:
        mloc = member_locale(ctx, member)
        await send_dm(tx, ctx, member, "motm-nominated",
                      ctx.t(mloc, "polls.nominated_dm", closes=ctx.i18n.datetime(mloc, from_epoch(poll.closes_at))))


async def close_ballot(tx: aiosqlite.Connection, ctx: Community, poll: Poll) -> None:
    """At the close the ballot says so and loses its menu (the result follows in its own post)."""
    ballot = await message_under(tx, ctx, ballot_key(poll.id))
    await edit(tx, ctx, ballot, text=ctx.t(ctx.locale, "polls.ballot_closed"), components=[])


async def post_result(
    tx: aiosqlite.Connection, ctx: Community, nominees: list[Nominee], votes: dict[int, int],
    winner: Nominee | None, ballots: int,
) -> None:
    """The result celebrates the winner; no score list, and no chart without votes (nothing to show).

    The chart shows only the nominees someone voted for: nobody is shown with a zero.
    """
    loc = ctx.locale
    if winner is None:
        names = ctx.i18n.join(loc, [neutralize(n.handle) for n in nominees])
        await post(tx, ctx, ctx.config.channels.general, "motm-result",
                   ctx.t(loc, "polls.result_no_votes", nominees=names), about=[n.member_id for n in nominees])
        return
    text = ctx.t(loc, "polls.result", winner=mention(winner.platform_id), count=ballots)
    voted = [n for n in nominees if votes.get(n.member_id, 0) > 0]
    path = await asyncio.to_thread(  # drawn off the event loop (matplotlib is slow to start)
        charts.bar_chart, [n.handle for n in voted], [votes[n.member_id] for n in voted],
        ctx.t(loc, "polls.chart_title"), filename="motm.png", directory=ctx.files.folder())
    await post(tx, ctx, ctx.config.channels.general, "motm-result", text, mentions=[winner.platform_id],
               attachments=[Attachment("motm.png", "image/png", str(path))], about=[n.member_id for n in nominees])
