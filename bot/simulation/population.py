"""A seeded synthetic community and its weeks: members, then requests, arrivals and departures in
time order. Pure data, deterministic per (shape, seed, model): the bot and every baseline play the
same timeline."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.simulation.response import ResponseModel, Sleeper
from bot.simulation.shape import Shape

DAY = 86400
WEEK = 7 * DAY
COMMUNITY_TZ = "Europe/Paris"
START = datetime(2027, 1, 4, 0, 0, tzinfo=ZoneInfo(COMMUNITY_TZ))  # a Monday
QUIET_CHOICES = ((22, 7), (23, 8), (0, 7), (22, 8), (21, 7))
SLEEP_CHOICES = ((23, 7), (22, 7), (0, 8), (23, 6), (1, 9))
ACTIVITY_WEIGHTS = (0.2, 1.0, 3.0, 6.0)  # how often each activity level asks for help


@dataclass(frozen=True)
class SimMember:
    index: int
    platform_id: str
    handle: str
    locale: str
    timezone: str | None
    languages: tuple[str, ...]
    quiet: tuple[int, int] | None
    sleeper: Sleeper
    available: bool
    volunteer: bool
    joined_at: int
    responsiveness: float
    offers: tuple[int, ...]  # indexes into Shape.skills
    activity: int
    initial: bool = True

    def speaks_with(self, other: SimMember) -> bool:
        return not self.languages or not other.languages or bool(set(self.languages) & set(other.languages))


@dataclass(frozen=True)
class RequestEvent:
    at: int
    index: int
    requester: int  # member index
    skills: tuple[str, ...]
    urgent: bool


@dataclass(frozen=True)
class JoinEvent:
    at: int
    member: int


@dataclass(frozen=True)
class LeaveEvent:
    at: int
    member: int


Event = RequestEvent | JoinEvent | LeaveEvent


@dataclass
class Timeline:
    shape: Shape
    seed: int
    start: int
    end: int
    members: list[SimMember]
    events: list[Event] = field(default_factory=list)
    godparents: dict[int, int] = field(default_factory=dict)  # initial newcomer -> godparent (member indexes)

    def offerers(self, skills: tuple[str, ...]) -> set[int]:
        """Members offering any of these skills (present or not)."""
        wanted = {self.shape.skills.index(s) for s in skills if s in self.shape.skills}
        return {m.index for m in self.members if wanted & set(m.offers)}


def _pick(rng: random.Random, choices: tuple[tuple[object, float], ...]) -> object:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _member(rng: random.Random, shape: Shape, model: ResponseModel, index: int, joined_at: int, initial: bool,
            offer_weights: list[float]) -> SimMember:
    languages = str(_pick(rng, shape.languages))
    langs = tuple(x for x in languages.split(",") if x)
    tz = _pick(rng, shape.timezones)
    quiet = rng.choice(QUIET_CHOICES) if rng.random() < shape.quiet_hours_share else None
    sleep = quiet or rng.choice(SLEEP_CHOICES)
    n_offers = rng.choices(range(len(shape.offers_per_member)), weights=shape.offers_per_member)[0] if initial else 0
    offers: set[int] = set()
    while len(offers) < min(n_offers, len(shape.skills)):
        offers.add(rng.choices(range(len(shape.skills)), weights=offer_weights)[0])
    tenure_ok = joined_at <= (START.timestamp() - 14 * DAY)
    return SimMember(
        index=index, platform_id=f"sim-{index}", handle=f"membre{index}", locale="en" if langs[:1] == ("en",) else "fr",
        timezone=tz if isinstance(tz, str) else None, languages=langs, quiet=quiet,
        sleeper=Sleeper(tz if isinstance(tz, str) else COMMUNITY_TZ, sleep[0], sleep[1]),
        available=rng.random() < shape.available_share,
        volunteer=initial and tenure_ok and rng.random() < shape.volunteer_share / 0.97,
        joined_at=joined_at, responsiveness=model.responsiveness(rng), offers=tuple(sorted(offers)),
        activity=rng.choices(range(len(shape.activity)), weights=shape.activity)[0], initial=initial,
    )


def _poisson_times(rng: random.Random, rate_per_week: float, start: int, end: int) -> list[int]:
    times, t = [], float(start)
    if rate_per_week <= 0:
        return times
    while True:
        t += rng.expovariate(rate_per_week / WEEK)
        if t >= end:
            return times
        times.append(int(t))


def _local_time(rng: random.Random, day_start: int, tz: str, night: bool) -> int:
    """A moment of that day in the member's zone: 08:00-22:00, or 22:00-08:00 for a night request."""
    base = datetime.fromtimestamp(day_start, ZoneInfo(tz)).replace(hour=0, minute=0, second=0)
    minutes = rng.randrange(22 * 60, 32 * 60) if night else rng.randrange(8 * 60, 22 * 60)
    return int((base + timedelta(minutes=minutes)).timestamp())


def build_timeline(shape: Shape, seed: int, model: ResponseModel) -> Timeline:
    rng = random.Random(seed)
    start = int(START.timestamp())
    end = start + shape.weeks * WEEK
    offer_weights = [1 / (k + 1) ** shape.skill_zipf for k in range(len(shape.skills))]
    # Needs are flatter than offers: the rarer skills are asked for more than they are offered.
    need_weights = [1 / (k + 1) ** (shape.skill_zipf * 0.6) for k in range(len(shape.skills))]
    members = [_member(rng, shape, model, i, start - rng.randrange(3 * DAY, 2 * 365 * DAY), True, offer_weights)
               for i in range(shape.members)]
    timeline = Timeline(shape, seed, start, end, members)
    timeline.godparents = _godparents(members, start)
    # (time, order, kind, payload): requesters and leavers are drawn among those present at that moment.
    raw: list[tuple[int, int, str, object]] = []
    for at in _poisson_times(rng, shape.newcomers_per_week, start, end):
        member = _member(rng, shape, model, len(members), at, False, offer_weights)
        members.append(member)
        raw.append((at, 0, "join", member.index))
    for at in _poisson_times(rng, shape.leaves_per_week, start, end):
        raw.append((at, 1, "leave", None))
    for at in _poisson_times(rng, shape.requests_per_week, start, end):
        night = rng.random() < shape.night_request_share
        urgent = rng.random() < shape.urgent_share
        if rng.random() < shape.unmet_share and shape.unmet_skills:
            skills: tuple[str, ...] = (rng.choice(shape.unmet_skills),)
        else:
            count = rng.choices((1, 2, 3), weights=(0.75, 0.2, 0.05))[0]
            picked: list[str] = []
            while len(picked) < count:
                s = shape.skills[rng.choices(range(len(shape.skills)), weights=need_weights)[0]]
                if s not in picked:
                    picked.append(s)
            skills = tuple(picked)
        raw.append((at, 2, "request", (skills, urgent, night)))
    raw.sort(key=lambda r: (r[0], r[1]))
    present = {m.index for m in members if m.initial}
    resolved: list[Event] = []
    n_request = 0
    for at, _order, kind, payload in raw:
        if kind == "join":
            assert isinstance(payload, int)
            present.add(payload)
            resolved.append(JoinEvent(at, payload))
        elif kind == "leave":
            gone = rng.choice(sorted(present))
            present.discard(gone)
            resolved.append(LeaveEvent(at, gone))
        else:
            skills, urgent, night = payload  # type: ignore[misc]
            pool = sorted(present)
            weights = [ACTIVITY_WEIGHTS[members[i].activity] if members[i].initial else 2.0 for i in pool]
            requester = members[rng.choices(pool, weights=weights)[0]]
            when = _local_time(rng, at, requester.sleeper.timezone, night)
            when = max(start + 60, min(when, end - 60))
            resolved.append(RequestEvent(when, n_request, requester.index, skills, urgent))
            n_request += 1
    resolved.sort(key=lambda e: (e.at, type(e).__name__, getattr(e, "index", 0)))
    # A request moved to its requester's local hours may now precede their arrival or follow their leaving.
    joined = {e.member: e.at for e in resolved if isinstance(e, JoinEvent)}
    left = {e.member: e.at for e in resolved if isinstance(e, LeaveEvent)}
    timeline.events = [e for e in resolved if not isinstance(e, RequestEvent)
                       or (joined.get(e.requester, 0) < e.at < left.get(e.requester, end + WEEK))]
    return timeline


GODPARENT_DAYS = 180


def _godparents(members: list[SimMember], start: int) -> dict[int, int]:
    """The pairings already in place: each member of less than 180 days has a volunteer who arrived
    two weeks before them, at most three godchildren each, a shared language first."""
    load: dict[int, int] = {}
    pairs: dict[int, int] = {}
    volunteers = [m for m in members if m.volunteer]
    for child in sorted((m for m in members if m.initial and m.joined_at > start - GODPARENT_DAYS * DAY),
                        key=lambda m: (m.joined_at, m.index)):
        fit = [v for v in volunteers if v.joined_at <= child.joined_at - 14 * DAY and load.get(v.index, 0) < 3]
        fit.sort(key=lambda v: (not v.speaks_with(child), load.get(v.index, 0), v.index))
        if fit:
            pairs[child.index] = fit[0].index
            load[fit[0].index] = load.get(fit[0].index, 0) + 1
    return pairs
