"""Member of the month: the ballot and the result as members see them in `general`.

Split from bot/services/polls.py (the month's rules: nominations, votes, the close and the role).
"""
from __future__ import annotations

import asyncio

import aiosqlite

from bot import charts
from bot.clock import from_epoch
from bot.context import Community
from bot.mentions import mention, neutralize, neutralize_mentions
from bot.outbox import Attachment, Component, post
from storage.polls import Nominee, Poll


def ballot_component(ctx: Community, poll: Poll, nominees: list[Nominee]) -> Component:
    options = tuple({"label": neutralize_mentions(n.handle)[:100], "value": n.handle[:100]} for n in nominees)
    return Component(f"motm:vote:{poll.id}", ctx.t(ctx.locale, "polls.select_label"), options=options)


async def post_ballot(
    tx: aiosqlite.Connection, ctx: Community, poll: Poll, all_nominees: list[Nominee], new_nominee: Nominee | None
) -> None:
    """The ballot in `general`: at the opening (pinging every nominee) or refreshed after a nomination."""
    loc = ctx.locale
    nominees = [n for n in all_nominees if n.present]
    names = ctx.i18n.join(loc, [neutralize(n.handle) for n in nominees])
    closes = ctx.i18n.datetime(loc, from_epoch(poll.closes_at))
    window_open = ctx.now_ts() < poll.nominations_until
    window_end = ctx.i18n.datetime(loc, from_epoch(poll.nominations_until))
    nominations = ctx.t(loc, "polls.nominations_open", until=window_end) if window_open else ""
    if new_nominee is None:
        pinged = [n.platform_id for n in nominees]
        text = ctx.t(loc, "polls.ballot", who=ctx.i18n.join(loc, [mention(p) for p in pinged]),
                     closes=closes, nominations=nominations)
    else:
        pinged = [new_nominee.platform_id]
        text = ctx.t(loc, "polls.ballot_updated", who=mention(new_nominee.platform_id), nominees=names,
                     closes=closes, nominations=nominations)
    await post(tx, ctx, ctx.config.channels.general, "motm-poll", text.strip(), mentions=pinged,
               components=[ballot_component(ctx, poll, nominees)], about=[n.member_id for n in nominees])


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
