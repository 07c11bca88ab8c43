"""What one policy did with a timeline, the measures taken from it, and the comparison table."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from bot.simulation.population import Timeline
from bot.simulation.response import gini, median

HOUR = 3600
DAY = 86400


@dataclass
class RequestOutcome:
    index: int
    created: int
    answerable: bool          # someone present and available offered one of its skills when it was made
    first_claim: float | None = None
    claimed_by_nudge: bool = False
    escalated: bool = False
    nobody_said: bool = False  # the bot said nobody offers the skill
    refused: bool = False      # the bot refused to open it (limits)


@dataclass
class Ping:
    request: int
    member: int
    at: float
    night: bool
    kind: str = "ping"  # ping | nudge


@dataclass
class Outcome:
    policy: str
    requests: dict[int, RequestOutcome] = field(default_factory=dict)
    pings: list[Ping] = field(default_factory=list)
    refusals: int = 0          # claims refused because the request had already found its helper
    nudge_refusals: int = 0
    nudge_claims: int = 0
    godparent_waits: list[float] | None = None  # per newcomer: seconds from arrival, inf if never
    old_as_new: int | None = None  # members past their first 180 days queued for or given a godparent
    escalations: int | None = None

    def note_claim(self, request: int, at: float, nudge: bool = False) -> None:
        outcome = self.requests[request]
        if outcome.first_claim is None or at < outcome.first_claim:
            outcome.first_claim, outcome.claimed_by_nudge = at, nudge


@dataclass(frozen=True)
class Measures:
    policy: str
    requests: int
    claimed_24h: float
    claimed_ever: float
    median_first_claim_h: float | None
    pings: int
    pings_per_request: float
    max_pings: int
    median_pings: float
    max_over_median: float
    gini: float
    night_share: float
    wasted_share: float
    escalations: int | None
    nobody_wrong: int
    godparent_day: float | None
    godparent_median_h: float | None
    old_as_new: int | None
    nudges: int
    nudge_claims: int
    nudge_refusals: int


def measure(outcome: Outcome, timeline: Timeline) -> Measures:
    """Claims over answerable requests (a skill nobody offers cannot be claimed by any policy); pings per
    offerer over the members offering a skill asked for in the run, zeros included."""
    answerable = [r for r in outcome.requests.values() if r.answerable]
    n = len(answerable) or 1
    within = sum(1 for r in answerable if r.first_claim is not None and r.first_claim - r.created <= DAY)
    ever = sum(1 for r in answerable if r.first_claim is not None)
    waits = [(r.first_claim - r.created) / HOUR for r in answerable if r.first_claim is not None]
    pings = [p for p in outcome.pings if p.kind == "ping"]
    asked = {s for e in timeline.events if hasattr(e, "skills") for s in e.skills}  # type: ignore[attr-defined]
    offerers = timeline.offerers(tuple(asked))
    counts = {m: 0 for m in offerers}
    for p in pings:
        if p.member in counts:
            counts[p.member] += 1
    values = list(counts.values())
    med = median([float(v) for v in values]) or 0.0
    top = max(values) if values else 0
    nudges = [p for p in outcome.pings if p.kind == "nudge"]
    gp = outcome.godparent_waits
    return Measures(
        policy=outcome.policy, requests=len(answerable),
        claimed_24h=within / n, claimed_ever=ever / n, median_first_claim_h=median(waits),
        pings=len(pings), pings_per_request=len(pings) / max(1, len(outcome.requests)),
        max_pings=top, median_pings=med, max_over_median=(top / med) if med else math.inf,
        gini=gini([float(v) for v in values]),
        night_share=sum(1 for p in pings if p.night) / max(1, len(pings)),
        wasted_share=outcome.refusals / max(1, len(pings)),
        escalations=outcome.escalations,
        nobody_wrong=sum(1 for r in answerable if r.nobody_said),
        godparent_day=(sum(1 for w in gp if w <= DAY) / len(gp)) if gp else None,
        godparent_median_h=(median(gp) / HOUR if median(gp) is not None else None) if gp else None,
        old_as_new=outcome.old_as_new,
        nudges=len(nudges), nudge_claims=outcome.nudge_claims, nudge_refusals=outcome.nudge_refusals,
    )


def combine(runs: list[Measures]) -> Measures:
    """The mean of several seeds' measures (counts summed)."""
    def avg(values: list[float | None]) -> float | None:
        xs = [v for v in values if v is not None and math.isfinite(v)]
        return sum(xs) / len(xs) if xs else None

    def total(values: list[int | None]) -> int | None:
        xs = [v for v in values if v is not None]
        return sum(xs) if xs else None

    first = runs[0]
    return Measures(
        policy=first.policy, requests=sum(r.requests for r in runs),
        claimed_24h=avg([r.claimed_24h for r in runs]) or 0.0, claimed_ever=avg([r.claimed_ever for r in runs]) or 0.0,
        median_first_claim_h=avg([r.median_first_claim_h for r in runs]),
        pings=sum(r.pings for r in runs), pings_per_request=avg([r.pings_per_request for r in runs]) or 0.0,
        max_pings=max(r.max_pings for r in runs), median_pings=avg([r.median_pings for r in runs]) or 0.0,
        max_over_median=avg([r.max_over_median for r in runs]) or math.inf, gini=avg([r.gini for r in runs]) or 0.0,
        night_share=avg([r.night_share for r in runs]) or 0.0, wasted_share=avg([r.wasted_share for r in runs]) or 0.0,
        escalations=total([r.escalations for r in runs]), nobody_wrong=sum(r.nobody_wrong for r in runs),
        godparent_day=avg([r.godparent_day for r in runs]),
        godparent_median_h=avg([r.godparent_median_h for r in runs]),
        old_as_new=total([r.old_as_new for r in runs]), nudges=sum(r.nudges for r in runs),
        nudge_claims=sum(r.nudge_claims for r in runs), nudge_refusals=sum(r.nudge_refusals for r in runs),
    )


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f} %"


def _num(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "—"
    if not math.isfinite(x):
        return "∞"
    return f"{x:.{digits}f}"


ROWS: tuple[tuple[str, object], ...] = (
    ("answerable requests", lambda m: str(m.requests)),
    ("claimed within 24 h", lambda m: _pct(m.claimed_24h)),
    ("claimed ever", lambda m: _pct(m.claimed_ever)),
    ("median time to first claim (h)", lambda m: _num(m.median_first_claim_h)),
    ("pings", lambda m: str(m.pings)),
    ("pings per request", lambda m: _num(m.pings_per_request)),
    ("pings per offerer: max / median", lambda m: f"{m.max_pings} / {_num(m.median_pings)} "
                                                  f"({_num(m.max_over_median)}x)"),
    ("pings per offerer: Gini", lambda m: _num(m.gini, 2)),
    ("pings at night", lambda m: _pct(m.night_share)),
    ("wasted pings (claim refused: already taken)", lambda m: _pct(m.wasted_share)),
    ("escalations to the animators", lambda m: _num(m.escalations, 0)),
    ("'nobody offers' said when someone does", lambda m: str(m.nobody_wrong)),
    ("newcomers with a godparent within a day", lambda m: _pct(m.godparent_day)),
    ("median godparent wait (h)", lambda m: _num(m.godparent_median_h)),
    ("members past 180 days given/queued for a godparent", lambda m: _num(m.old_as_new, 0)),
    ("request nudges: sent / claims / refused", lambda m: f"{m.nudges} / {m.nudge_claims} / {m.nudge_refusals}"
                                                           if m.nudges else "—"),
)


def table(measures: list[Measures], title: str = "") -> str:
    """A Markdown table, one column per policy (the bot first)."""
    head = ["measure"] + [m.policy for m in measures]
    lines = ([title, ""] if title else []) + ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, fmt in ROWS:
        lines.append("| " + " | ".join([label] + [fmt(m) for m in measures]) + " |")  # type: ignore[operator]
    return "\n".join(lines)
