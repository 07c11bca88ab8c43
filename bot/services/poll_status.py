"""Member of the month, as anyone may see it: the latest poll's status (`motm status`), never who voted
for whom. Split from bot/services/polls.py (nominations, voting, closing and the jobs)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import from_epoch
from bot.context import Community
from storage import polls as polls_repo
from storage.polls import Nominee


@dataclass(frozen=True)
class PollSummary:
    """What anyone may know of a poll: before the close, only how many voted."""

    poll_id: int
    status: str
    nominees: list[str]
    ballots: int
    closes_at: datetime
    nominations_until: datetime
    voted: bool
    winner: str | None = None
    results: tuple[tuple[str, int], ...] = ()
    # The same people as `data` names members (their platform id, the console's `user`); the names above
    # are for the text.
    nominee_refs: tuple[str, ...] = ()
    winner_ref: str | None = None
    result_refs: tuple[tuple[str, int], ...] = ()


async def poll_summary(conn: aiosqlite.Connection, ctx: Community, viewer_id: int | None = None,
                       locale: str | None = None) -> PollSummary | None:
    """The latest poll as anyone may see it (also for the weekly digest): never who voted for whom; a
    nominee of a closed poll whose data was erased since is « un·e ancien·ne membre » (in `locale`)."""
    poll = await polls_repo.latest(conn, ctx.guild_id)
    if poll is None:
        return None
    nominees = [n for n in await polls_repo.nominees(conn, poll.id) if n.present or poll.status == "closed"]
    closed = poll.status == "closed"
    ballots = (poll.votes_cast or 0) if closed else await polls_repo.ballots_cast(conn, poll.id)
    voted = (not closed and viewer_id is not None and await polls_repo.has_voted(conn, poll.id, viewer_id))
    winner = None
    results: tuple[tuple[str, int], ...] = ()

    def name(nominee: Nominee) -> str:
        return ctx.t(locale, "common.former_member") if nominee.erased else nominee.handle

    def ref(nominee: Nominee) -> str:
        return name(nominee) if nominee.erased else nominee.platform_id

    winner_ref = None
    result_refs: tuple[tuple[str, int], ...] = ()
    if closed:
        winner = next((name(n) for n in nominees if n.member_id == poll.winner_id), None)
        winner_ref = next((ref(n) for n in nominees if n.member_id == poll.winner_id), None)
        ranked = sorted(nominees, key=lambda n: -(n.votes or 0))
        results = tuple((name(n), n.votes or 0) for n in ranked)
        result_refs = tuple((ref(n), n.votes or 0) for n in ranked)
    return PollSummary(
        poll_id=poll.id, status=poll.status, nominees=[name(n) for n in nominees], ballots=ballots,
        closes_at=from_epoch(poll.closes_at), nominations_until=from_epoch(poll.nominations_until),
        voted=voted, winner=winner, results=results, nominee_refs=tuple(ref(n) for n in nominees),
        winner_ref=winner_ref, result_refs=result_refs,
    )
