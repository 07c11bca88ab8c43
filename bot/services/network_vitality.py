"""The network's life for its animators (issue 22): `vitality network:true` (each community side by side,
and the network's totals) and the weekly network digest, posted once a week for the whole network.

Only aggregates cross communities here: counts per community, cross-community help given and received,
and the skills asked for that nobody in the network can offer (no name of anyone)."""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiosqlite

from bot.context import Community
from bot.errors import denied
from bot.jobs import Job, cron, period_week
from bot.mentions import neutralize
from bot.outbox import post
from bot.services import network_shared as net
from bot.services.vitality import RETENTION_DAYS, check_days, window_ending_now
from storage import network_vitality as network_repo
from storage import vitality as vitality_repo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class PlaceFigures:
    community: str
    name: str
    members: int
    active: int
    help_given: int  # claims by its members on requests of other communities
    help_received: int  # claims by members of other communities on its requests

    def data(self) -> dict[str, Any]:
        return {"community": self.community, "name": self.name, "members": self.members, "active": self.active,
                "help_given": self.help_given, "help_received": self.help_received}


@dataclass(frozen=True)
class NetworkFigures:
    days: int
    places: list[PlaceFigures]
    unmet_skills: list[str] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        return {name: sum(getattr(p, name) for p in self.places)
                for name in ("members", "active", "help_given", "help_received")}

    def data(self) -> dict[str, Any]:
        return {"days": self.days, "communities": [p.data() for p in self.places], "totals": self.totals,
                "unmet_skills": self.unmet_skills}


async def network_figures(ctx: Community, days: int | None) -> NetworkFigures:
    """Every community's figures over the same window (the caller's calendar), with the network's totals."""
    days = check_days(days)
    conn = ctx.db.reader
    window = window_ending_now(ctx, days)
    places = net.communities(ctx)
    keys = [p.guild_id for p in places]
    members = await network_repo.members_by_place(conn, keys)
    given, received = await network_repo.cross_help(conn, keys, window.start, window.end)
    figures, unmet = [], {}
    for place in places:
        local = window_ending_now(place, days)
        active = await vitality_repo.count_active(conn, place.guild_id, local)
        figures.append(PlaceFigures(net.community_id(place), net.community_name(place),
                                    members.get(place.guild_id, 0), active, given.get(place.guild_id, 0),
                                    received.get(place.guild_id, 0)))
        for key, display in await network_repo.unmet_here(conn, place.guild_id, local.start, local.end):
            unmet.setdefault(key, display)
    offered = await network_repo.offered_in_network(conn, list(unmet))
    return NetworkFigures(days, figures, [unmet[k] for k in sorted(unmet) if k not in offered])


async def network_indicators(ctx: Community, figures: NetworkFigures) -> dict[str, Any]:
    """COMMANDS.md's `vitality` indicators for the whole network, pooled over its communities (each over its
    own calendar): counts added, retention over the pooled cohorts, the median over every request's wait.
    Asked by `vitality network:true` only (the weekly network digest reads the counts above, no more)."""
    conn = ctx.db.reader
    newcomers = cohort = retained = opened = resolved = 0
    waits: list[float] = []
    for place in net.communities(ctx):
        window = window_ending_now(place, figures.days)
        recent = window_ending_now(place, RETENTION_DAYS)
        newcomers += (await vitality_repo.newcomers(conn, place.guild_id, window))[0]
        joined, kept = await vitality_repo.cohort_retention(
            conn, place.guild_id, joined_from=recent.start - RETENTION_DAYS * 86400, joined_before=recent.start,
            recent=recent)
        cohort, retained = cohort + joined, retained + kept
        opened += await vitality_repo.requests_opened(conn, place.guild_id, window)
        resolved += await vitality_repo.requests_resolved(conn, place.guild_id, window)
        waits += await vitality_repo.seconds_to_first_helper(conn, place.guild_id, window)
    return {"active_members": figures.totals["active"], "newcomers": newcomers,
            "retention_30d": retained / cohort if cohort else None, "requests_opened": opened,
            "requests_resolved": resolved,
            "median_hours_to_first_helper": statistics.median(waits) / 3600 if waits else None}


def require_network_animator(ctx: Community, platform_id: str, roles: frozenset[str],
                             local_animator: bool = False) -> None:
    """The network's view is for `[network] animators`, wherever they are; animating one community is not enough
    (that community's animators are told so, and where the network's animators are named)."""
    if not net.reads_network_figures(ctx, platform_id, roles):
        raise denied("network_shared.local_animator_not_network" if local_animator
                     else "network_shared.network_animators_only")


def render(ctx: Community, locale: str, figures: NetworkFigures) -> str:
    t = ctx.i18n.t
    lines = [t(locale, "network_shared.vitality.title", network=neutralize(net.network_name(ctx)),
               count=figures.days)]
    for place in figures.places:
        lines.append(t(locale, "network_shared.vitality.line", community=neutralize(place.name),
                       count=place.members, active=place.active, given=place.help_given,
                       received=place.help_received))
    totals = figures.totals
    lines.append(t(locale, "network_shared.vitality.totals", count=totals["members"], active=totals["active"],
                   across=totals["help_given"]))
    unmet = [neutralize(s) for s in figures.unmet_skills]
    lines.append(t(locale, "network_shared.vitality.unmet", skills=ctx.i18n.join(locale, unmet))
                 if unmet else t(locale, "network_shared.vitality.no_unmet"))
    return "\n".join(lines)


# The weekly network digest ------------------------------------------------------------------------

def digest_home(ctx: Community) -> Community:
    """The community whose `[network] channel` receives the digest (`network.home`, else the first)."""
    return getattr(net.network_of(ctx), "home", None) or net.communities(ctx)[0]


async def post_network_digest(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime) -> None:
    """One post a week in the network animators' channel: the last seven days, community by community."""
    channel = str(net.setting(ctx, "channel", "animators"))
    figures = await network_figures(ctx, 7)
    text = ctx.t(ctx.locale, "network_shared.digest_title", network=neutralize(net.network_name(ctx))) + "\n" + \
        render(ctx, ctx.locale, figures)
    await post(tx, ctx, channel, "network-digest", text, paced=True)


def jobs(ctx: Community) -> list[Job]:
    """The digest is the network's, not a community's: only the first community of the network runs it."""
    if not net.is_network(ctx) or digest_home(ctx).guild_id != ctx.guild_id:
        return []
    day = str(net.setting(ctx, "digest_day", "mon")).lower()[:3]
    hour = int(net.setting(ctx, "digest_hour", 9))
    return [Job("network-digest", cron(ctx.config.community.timezone, day_of_week=day if day in WEEKDAYS else "mon",
                                       hour=hour, minute=0), period_week, post_network_digest)]
