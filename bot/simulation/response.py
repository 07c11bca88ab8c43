"""The helper response model: whether a pinged member claims, and when.

A member claims with probability
    responsiveness × (1 − fatigue)^(pings this week) × (language if no shared language)
                   × (1 − night if the ping reached them asleep) × (nudge for a weekly nudge),
after a delay (exponential, `delay_hours` on average), and never while asleep: a ping that lands at
night is seen on waking. Responsiveness varies between members (log-normal, `spread`).

Every draw is keyed by (seed, request, member, kind), so every routing policy compared in a run
meets the same members in the same mood: only what the policy does changes the outcome."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

HOUR = 3600


@dataclass(frozen=True)
class ResponseModel:
    base: float = 0.5           # mean probability that a rested member answers a ping
    spread: float = 0.6         # log-normal spread of responsiveness between members (0: all alike)
    fatigue: float = 0.15       # each ping of the last 7 days lowers it by this share
    night: float = 0.5          # share lost when the ping lands while the member sleeps
    language: float = 0.35      # factor when the member shares no language with the requester
    nudge: float = 0.5          # factor for a weekly nudge (weaker than a ping)
    delay_hours: float = 2.0    # mean delay between seeing a ping and claiming

    def responsiveness(self, rng: random.Random) -> float:
        """One member's own probability (the mean over members stays `base`)."""
        if self.spread <= 0:
            return self.base
        draw = rng.lognormvariate(-self.spread ** 2 / 2, self.spread)
        return min(0.95, self.base * draw)


@dataclass(frozen=True)
class Sleeper:
    """When a member sleeps: their quiet hours when set, otherwise their own habits."""

    timezone: str
    sleep_start: int
    sleep_end: int

    def asleep(self, ts: float) -> bool:
        hour = _local(self.timezone, ts).hour
        s, e = self.sleep_start, self.sleep_end
        return (s <= hour < e) if s < e else (hour >= s or hour < e)

    def wakes_after(self, ts: float) -> float:
        """The next end of the sleep window after ts (ts itself when awake)."""
        if not self.asleep(ts):
            return ts
        local = _local(self.timezone, ts)
        wake = local.replace(hour=self.sleep_end, minute=0, second=0, microsecond=0)
        if wake <= local:
            wake += timedelta(days=1)
        return wake.timestamp()


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _local(tz: str, ts: float) -> datetime:
    return datetime.fromtimestamp(ts, _zone(tz))


def draw_rng(seed: int, request: int, member: int, kind: str) -> random.Random:
    """The draws of one (request, member, kind): identical in every policy of a run."""
    return random.Random(((seed * 1_000_003 + request) * 1_000_003 + member) * 7 + (1 if kind == "nudge" else 0))


def claim_time(
    model: ResponseModel, seed: int, request: int, member: int, kind: str, *, at: float, responsiveness: float,
    sleeper: Sleeper, pings_this_week: int, shares_language: bool, available: bool = True,
) -> float | None:
    """When the member claims the request after a ping (or a nudge) at `at`, or None."""
    rng = draw_rng(seed, request, member, kind)
    u, delay = rng.random(), rng.expovariate(1 / max(model.delay_hours, 1e-6)) * HOUR
    if not available:
        return None
    p = responsiveness * (1 - model.fatigue) ** pings_this_week
    if not shares_language:
        p *= model.language
    if kind == "nudge":
        p *= model.nudge
    seen = at
    if sleeper.asleep(at):
        p *= 1 - model.night
        seen = sleeper.wakes_after(at)
    if u >= p:
        return None
    return float(math.ceil(sleeper.wakes_after(seen + delay)))  # whole seconds, as the clock counts


def gini(values: list[float]) -> float:
    """0 when everyone got as many pings, towards 1 when a few got them all."""
    xs = sorted(values)
    n, total = len(xs), sum(xs)
    if n == 0 or total == 0:
        return 0.0
    return sum((2 * i - n + 1) * x for i, x in enumerate(xs)) / (n * total)


def median(values: list[float]) -> float | None:
    xs = sorted(values)
    if not xs:
        return None
    mid = len(xs) // 2
    return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2


def is_finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)
