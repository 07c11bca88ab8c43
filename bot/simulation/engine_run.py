"""The timeline played through the bot itself: the Engine with its real services, jobs and outbox on
a simulated clock, members answering DMs as the response model says.

Members act through the command layer (`request new`, the claim button, `request resolve`,
`request cancel`, the charter button) like the console does; what the bot sends is read from its
deliveries. Claims are decided when a ping is delivered and played at their time, to within one
simulation step (15 minutes)."""
from __future__ import annotations

import heapq
import math
import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from bot.app import Engine
from bot.clock import SimulatedClock, from_epoch
from bot.commands.registry import Actor
from bot.config import Config
from bot.outbox import Outgoing
from bot.services.skills import skill_key
from bot.simulation.baselines import CANCEL_AFTER, present_offerers
from bot.simulation.population import GODPARENT_DAYS, JoinEvent, LeaveEvent, RequestEvent, SimMember, Timeline
from bot.simulation.report import Outcome, Ping, RequestOutcome
from bot.simulation.response import ResponseModel, claim_time
from storage import simulation as sim_repo

DAY = 86400
STEP = 900
GUILD = "simulation"
RESOLVE_AFTER = DAY  # a claimed request is marked done by its requester a day later


class Recorder:
    """The transport: every delivery is seen by the members it is for."""

    def __init__(self, run: EngineRun) -> None:
        self.run = run

    async def deliver(self, message: Outgoing) -> None:
        if message.op == "send":  # an edit or a thread change is not a new message for anyone
            self.run.delivered(message)


class EngineRun:
    def __init__(self, timeline: Timeline, model: ResponseModel, config: Config, name: str = "entraide") -> None:
        self.timeline, self.model, self.config = timeline, model, config
        self.outcome = Outcome(name, escalations=0, old_as_new=0)
        self.by_pid: dict[str, SimMember] = {m.platform_id: m for m in timeline.members}
        self.present = {m.index for m in timeline.members if m.initial}
        self.joined: dict[int, int] = {}
        self.request_of: dict[int, int] = {}   # bot request id -> timeline request index
        self.db_id: dict[int, int] = {}        # timeline request index -> bot request id
        self.requester: dict[int, SimMember] = {}
        self.recent: dict[int, list[float]] = {}
        self.first_intro: dict[int, float] = {}
        self.heap: list[tuple[float, int, str, tuple]] = []
        self.seq = 0
        self.engine: Engine | None = None

    # What members see ---------------------------------------------------------------------------

    def now(self) -> float:
        assert self.engine is not None
        return self.engine.ctx.now().timestamp()

    def push(self, at: float, kind: str, *args: object) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (at, self.seq, kind, args))

    def delivered(self, message: Outgoing) -> None:
        pid = message.payload.get("for_user") or (message.target_id if message.target_kind == "dm" else None)
        now = self.now()
        if message.kind == "escalation":
            self.outcome.escalations = (self.outcome.escalations or 0) + 1
        member = self.by_pid.get(pid) if pid else None
        if member is None:
            return
        if message.kind == "godparent-intro" and member.index in self.joined:
            self.first_intro.setdefault(member.index, now)
        if message.kind == "godparent-intro" and not member.volunteer \
                and now - self._joined_at(member) > GODPARENT_DAYS * DAY:
            self.outcome.old_as_new = (self.outcome.old_as_new or 0) + 1  # treated as a newcomer
        claim = next((c["custom_id"] for c in message.payload.get("components", [])
                      if str(c.get("custom_id", "")).startswith("request:claim:")), None)
        if claim is None or message.kind not in ("helper-ping", "nudge"):
            return
        request_id = int(claim.rsplit(":", 1)[1])
        index = self.request_of.get(request_id)
        if index is None:
            return
        kind = "ping" if message.kind == "helper-ping" else "nudge"
        week = [t for t in self.recent.get(member.index, []) if t > now - 7 * DAY]
        if kind == "ping":
            self.recent[member.index] = week + [now]
        self.outcome.pings.append(Ping(index, member.index, now, member.sleeper.asleep(now), kind))
        when = claim_time(self.model, self.timeline.seed, index, member.index, kind, at=now,
                          responsiveness=member.responsiveness, sleeper=member.sleeper, pings_this_week=len(week),
                          shares_language=member.speaks_with(self.requester[index]), available=member.available)
        if when is not None:
            self.push(when, "claim", member, request_id, kind)

    def _joined_at(self, member: SimMember) -> int:
        return self.joined.get(member.index, member.joined_at)

    # What members do ----------------------------------------------------------------------------

    def actor(self, member: SimMember) -> Actor:
        return Actor(member.platform_id, member.handle, member.locale)

    async def _act(self, fn: Callable[[], Awaitable[object]]) -> object:
        result = await fn()
        assert self.engine is not None
        await self.engine.deliver()
        return result

    async def open_request(self, event: RequestEvent) -> None:
        assert self.engine is not None
        requester = self.timeline.members[event.requester]
        answerable = bool(present_offerers(self.timeline, self.present, event))
        outcome = RequestOutcome(event.index, event.at, answerable)
        self.outcome.requests[event.index] = outcome
        self.requester[event.index] = requester
        options = {"title": f"Coup de main #{event.index}", "skills": ", ".join(event.skills),
                   "urgent": event.urgent}
        reply = await self.engine.command(self.actor(requester), "request new", options)
        if not reply.ok:
            outcome.refused = True
            return
        request_id = int(reply.data["request_id"])
        self.request_of[request_id], self.db_id[event.index] = event.index, request_id
        outcome.nobody_said = bool(reply.data.get("nobody_offers", not reply.data.get("pinged")))
        await self.engine.deliver()
        self.push(event.at + CANCEL_AFTER, "cancel", requester, request_id)

    async def claim(self, member: SimMember, request_id: int, kind: str) -> None:
        assert self.engine is not None
        if member.index not in self.present:
            return
        reply = await self._act(lambda: self.engine.click(self.actor(member), f"request:claim:{request_id}"))
        index = self.request_of[request_id]
        if reply.ok:  # type: ignore[attr-defined]
            self.outcome.note_claim(index, self.now(), nudge=kind == "nudge")
            if kind == "nudge":
                self.outcome.nudge_claims += 1
            self.push(self.now() + RESOLVE_AFTER, "resolve", self.requester[index], request_id)
        elif reply.error == "conflict":  # type: ignore[attr-defined]
            self.outcome.refusals += kind == "ping"
            self.outcome.nudge_refusals += kind == "nudge"

    async def settle(self, member: SimMember, request_id: int, command: str) -> None:
        assert self.engine is not None
        if member.index in self.present:
            await self._act(lambda: self.engine.command(self.actor(member), command, {"id": request_id}))

    async def join(self, event: JoinEvent) -> None:
        assert self.engine is not None
        member = self.timeline.members[event.member]
        self.present.add(member.index)
        self.joined[member.index] = event.at
        await self._act(lambda: self.engine.member_joined(member.platform_id, member.handle, member.locale))
        await self._act(lambda: self.engine.click(self.actor(member), "charter:accept"))
        languages = ",".join(member.languages)
        if languages:
            await self._act(lambda: self.engine.command(self.actor(member), "profile set", {"languages": languages}))

    async def leave(self, event: LeaveEvent) -> None:
        assert self.engine is not None
        member = self.timeline.members[event.member]
        self.present.discard(member.index)
        await self._act(lambda: self.engine.member_left(member.platform_id))

    # The run -------------------------------------------------------------------------------------

    async def seed(self) -> None:
        assert self.engine is not None
        t = self.timeline
        ids = {m.index: m.index + 1 for m in t.members if m.initial}
        rows = [(ids[m.index], m.platform_id, m.handle, m.locale, m.timezone, m.joined_at, m.joined_at + 600,
                 int(m.volunteer), ",".join(m.languages), m.quiet[0] if m.quiet else None,
                 m.quiet[1] if m.quiet else None, int(m.available), t.start - 3600,
                 ids[t.godparents[m.index]] if m.index in t.godparents else None,
                 m.joined_at + 3600 if m.index in t.godparents else None)
                for m in t.members if m.initial]
        skills = [(skill_key(s), s) for s in t.shape.skills]
        offers = [(ids[m.index], k) for m in t.members if m.initial for k in m.offers]
        async with self.engine.ctx.db.transaction() as tx:
            await sim_repo.seed_members(tx, GUILD, rows, [self.config.roles.member])
            await sim_repo.seed_offers(tx, GUILD, skills, offers)

    async def run(self, workdir: Path) -> Outcome:
        t = self.timeline
        clock = SimulatedClock(from_epoch(t.start - 3600))
        # A scratch database: no fsync per commit (the run is replayed from its seed, never recovered).
        config = self.config.model_copy(update={"database": self.config.database.model_copy(
            update={"synchronous": "OFF"})})
        path = workdir / f"sim-{t.seed}.sqlite"
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)  # every run starts from its seed alone
        self.engine = await Engine.open(config, path, clock, Recorder(self),
                                        guild_id=GUILD, single_instance=False)
        try:
            await self.seed()
            await self.engine.start()
            events = iter(t.events)
            pending = next(events, None)
            end = t.end + DAY
            now = float(t.start - 3600)
            while now < end:
                target = min(now + STEP, end, pending.at if pending else math.inf,
                             self.heap[0][0] if self.heap else math.inf)
                target = max(target, now)
                await self.engine.scheduler.advance_to(datetime.fromtimestamp(target, clock.now().tzinfo))
                now = self.now()
                while pending is not None and pending.at <= now + 1e-3:
                    await self._event(pending)
                    pending = next(events, None)
                while self.heap and self.heap[0][0] <= now + 1e-3:
                    _at, _seq, kind, args = heapq.heappop(self.heap)
                    await self._action(kind, args)
                if target == now and pending is None and not self.heap and now >= end:
                    break
                now = max(now, target)
        finally:
            await self.engine.close()
        self._godparent_waits()
        return self.outcome

    async def _event(self, event: object) -> None:
        if isinstance(event, RequestEvent):
            if event.requester in self.present:
                await self.open_request(event)
        elif isinstance(event, JoinEvent):
            await self.join(event)
        elif isinstance(event, LeaveEvent):
            await self.leave(event)

    async def _action(self, kind: str, args: tuple) -> None:
        if kind == "claim":
            await self.claim(*args)
        elif kind == "resolve":
            await self.settle(args[0], args[1], "request resolve")
        elif kind == "cancel":
            await self.settle(args[0], args[1], "request cancel")

    def _godparent_waits(self) -> None:
        end = self.timeline.end
        self.outcome.godparent_waits = [
            self.first_intro.get(i, math.inf) - at for i, at in self.joined.items() if at <= end - DAY]


async def run_engine(timeline: Timeline, model: ResponseModel, config: Config, workdir: Path | None = None,
                     name: str = "entraide") -> Outcome:
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="entraide-sim-") as tmp:
            return await EngineRun(timeline, model, config, name).run(Path(tmp))
    return await EngineRun(timeline, model, config, name).run(workdir)
