"""Simple routing policies on the same timeline and response model as the bot, for comparison.

- broadcast: every present, available offerer of a requested skill, at once;
- random-k: k of them at random, and k more every 12 hours (2 hours if urgent) until claimed, two rounds;
- top-k: the k most senior of them (the same people every time), then the next k, two rounds.
None of them knows about quiet hours, languages or fatigue: that is what the bot adds."""
from __future__ import annotations

import heapq
import random

from bot.simulation.population import JoinEvent, LeaveEvent, RequestEvent, SimMember, Timeline
from bot.simulation.report import Outcome, Ping, RequestOutcome
from bot.simulation.response import ResponseModel, claim_time

HOUR = 3600
DAY = 86400
CANCEL_AFTER = 7 * DAY  # the requester gives up (the bot's run does the same)
POLICIES = ("broadcast", "random-k", "top-k")


def present_offerers(timeline: Timeline, present: set[int], event: RequestEvent) -> list[SimMember]:
    """Who could be asked: present, available members offering a requested skill, not the requester."""
    wanted = {timeline.shape.skills.index(s) for s in event.skills if s in timeline.shape.skills}
    return [m for i in sorted(present) if (m := timeline.members[i]).available and i != event.requester
            and wanted & set(m.offers)]


def run_baseline(policy: str, timeline: Timeline, model: ResponseModel, k: int = 3, rounds: int = 2,
                 round_hours: float = 12, urgent_round_hours: float = 2) -> Outcome:
    outcome = Outcome(policy)
    present = {m.index for m in timeline.members if m.initial}
    recent: dict[int, list[float]] = {}  # member -> ping times (fatigue)
    claims: dict[int, list[float]] = {}   # request -> would-be claim times
    pinged: dict[int, set[int]] = {}
    left_at: dict[int, int] = {e.member: e.at for e in timeline.events if isinstance(e, LeaveEvent)}
    # (time, order, request event, round): rounds in time order, after the timeline's own events
    heap: list[tuple[float, int, int, int]] = []
    requests: dict[int, RequestEvent] = {}
    order = 0

    def ping_round(event: RequestEvent, round_no: int, at: float) -> None:
        outcome_r = outcome.requests[event.index]
        if outcome_r.first_claim is not None and outcome_r.first_claim <= at:
            return
        if at - event.at >= CANCEL_AFTER or event.requester not in present:
            return
        candidates = [m for m in present_offerers(timeline, present, event) if m.index not in pinged[event.index]]
        if policy == "broadcast":
            chosen = candidates
        elif policy == "random-k":
            rng = random.Random(timeline.seed * 7919 + event.index * 31 + round_no)
            chosen = rng.sample(candidates, min(k, len(candidates)))
        else:
            chosen = sorted(candidates, key=lambda m: (m.joined_at, m.index))[:k]
        requester = timeline.members[event.requester]
        for m in chosen:
            pinged[event.index].add(m.index)
            week = [t for t in recent.get(m.index, []) if t > at - 7 * DAY]
            recent[m.index] = week + [at]
            outcome.pings.append(Ping(event.index, m.index, at, m.sleeper.asleep(at)))
            when = claim_time(model, timeline.seed, event.index, m.index, "ping", at=at,
                              responsiveness=m.responsiveness, sleeper=m.sleeper, pings_this_week=len(week),
                              shares_language=m.speaks_with(requester), available=m.available)
            if when is not None and when < event.at + CANCEL_AFTER and when < left_at.get(m.index, when + 1):
                claims[event.index].append(when)
                outcome.note_claim(event.index, when)
        if round_no < rounds and policy != "broadcast":
            wait = (urgent_round_hours if event.urgent else round_hours) * HOUR
            heapq.heappush(heap, (at + wait, order, event.index, round_no + 1))

    for event in timeline.events:
        while heap and heap[0][0] <= event.at:
            at, _, index, round_no = heapq.heappop(heap)
            ping_round(requests[index], round_no, at)
        if isinstance(event, JoinEvent):
            present.add(event.member)
        elif isinstance(event, LeaveEvent):
            present.discard(event.member)
        else:
            requests[event.index] = event
            pinged[event.index] = set()
            claims[event.index] = []
            outcome.requests[event.index] = RequestOutcome(
                event.index, event.at, bool(present_offerers(timeline, present, event)))
            order += 1
            ping_round(event, 1, event.at)
    while heap:
        at, _, index, round_no = heapq.heappop(heap)
        ping_round(requests[index], round_no, at)
    # Everyone who answers after the first claim is told it is taken: a wasted ping.
    outcome.refusals = sum(max(0, len(times) - 1) for times in claims.values())
    return outcome
