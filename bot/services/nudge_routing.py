"""Weekly nudges about a request follow routing's rules: a nudge is a ping with a claim button.

Measured with `entraide simulate`: the uncapped nudge sent every offerer of a skill (93 members for
one request) to the same oldest request, whatever their language or fatigue, and caused more
"already found its helper" refusals than the pings themselves. Now a request nudge goes only to a
member who shares a language with the requester (or either declared none), who is under the
fatigue cap, and to at most `nudges.max_per_request` members per request and week, the least
recently pinged first. A member left out gets no nudge that week (never pushy). And a request
claimed before its nudges are delivered takes them back (storage.engagement.drop_request_nudges)."""
from __future__ import annotations

import aiosqlite

from bot.context import Community
from storage import routing as routing_repo
from storage.engagement import NudgeTarget

DAY = 86400


def _speaks(mine: str, theirs: str) -> bool:
    a = {x.strip().lower() for x in mine.split(",") if x.strip()}
    b = {x.strip().lower() for x in theirs.split(",") if x.strip()}
    return not a or not b or bool(a & b)


async def route_request_nudges(
    conn: aiosqlite.Connection, ctx: Community, chosen: list[tuple[NudgeTarget, str, int | None]], now: int,
) -> list[tuple[NudgeTarget, str, int | None]]:
    """`chosen` (by member id) without the request nudges routing would not send; same order."""
    asked = [(t, subject) for t, reason, subject in chosen if reason == "request" and subject is not None]
    if not asked:
        return chosen
    cfg = ctx.config.requests
    facts = await routing_repo.member_route_facts(
        conn, [t.member_id for t, _ in asked], now - cfg.fatigue_window_days * DAY)
    wanted = await routing_repo.requester_languages(conn, sorted({s for _, s in asked if s is not None}))
    fit: dict[int, list[tuple[tuple[int, int, int], int]]] = {}
    for target, subject in asked:
        languages, last_ping, recent = facts.get(target.member_id, ("", None, 0))
        if recent >= cfg.fatigue_cap or not _speaks(languages, wanted.get(subject, "")):
            continue
        rank = (recent, 0 if last_ping is None else 1, last_ping or 0)
        fit.setdefault(subject, []).append((rank, target.member_id))
    keep = {(subject, member_id) for subject, members in fit.items()
            for _rank, member_id in sorted(members)[:ctx.config.nudges.max_per_request]}
    return [(t, reason, subject) for t, reason, subject in chosen
            if reason != "request" or (subject, t.member_id) in keep]
