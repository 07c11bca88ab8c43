"""The network of communities as the features see it (issue 22): which communities there are, by
their guild key, and what a member shares with the whole network (their opt-in network profile).

A community without a `network` (a single-community config) is a network of one: every network
option then simply finds nobody elsewhere."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.context import Community
from bot.mentions import mention, neutralize
from bot.services.members import is_animator
from bot.services.skills import canonical
from storage import network_shared as network_repo
from storage import profiles as profiles_repo
from storage.profiles import OFFER

DIRECTORY_LIMIT = 50


def network_of(ctx: Community) -> Any | None:
    return getattr(ctx, "network", None)


def communities(ctx: Community) -> list[Community]:
    """Every community of the caller's network (itself alone without a network), in config order."""
    net = network_of(ctx)
    found = list(getattr(net, "communities", None) or []) if net is not None else []
    return found or [ctx]


def others(ctx: Community) -> list[Community]:
    return [c for c in communities(ctx) if c.guild_id != ctx.guild_id]


def by_guild_key(ctx: Community, guild_id: str) -> Community | None:
    """The community whose rows carry this guild key (each community's rows do, in the shared database)."""
    for community in communities(ctx):
        if community.guild_id == guild_id:
            return community
    return None


def home_of_member(ctx: Community, member: Any) -> Community:
    """The community a member row belongs to (rows carry their community's guild key): a member of another
    community is told things through it (its platform, its channels, its words), never through `ctx`."""
    if member.guild_id == ctx.guild_id:
        return ctx
    return by_guild_key(ctx, member.guild_id) or ctx


def _on_discord(ctx: Community) -> bool:
    return bool(ctx.config.community.guild_id)


def named(viewer: Community, person: Any) -> str:
    """How `person` reads in a message to a member of `viewer`: a mention in their own community; from
    another community, their display name (a platform mention would not resolve: `<@123>` on Signal,
    `<@signal:…>` on Discord), with the mention beside it only between two Discord servers (a user id is
    Discord-wide: it opens their profile to write to them)."""
    home = home_of_member(viewer, person)
    if home.guild_id == viewer.guild_id:
        return mention(person.platform_id)
    name = neutralize(person.handle)
    return f"{name} ({mention(person.platform_id)})" if _on_discord(home) and _on_discord(viewer) else name


def named_from(viewer: Community, person: Any) -> str:
    """`named`, with the person's community when it is not `viewer` (« zoe (La Tanière) »), for the
    sentences that do not say where they are from; never a mention from elsewhere."""
    home = home_of_member(viewer, person)
    if home.guild_id == viewer.guild_id:
        return mention(person.platform_id)
    return f"{neutralize(person.handle)} ({neutralize(community_name(home))})"


def community_name(ctx: Community) -> str:
    return str(getattr(ctx, "name", None) or ctx.config.community.name)


def community_id(ctx: Community) -> str:
    return str(getattr(ctx, "id", None) or ctx.guild_id)


def network_name(ctx: Community) -> str:
    net = network_of(ctx)
    return str(getattr(net, "name", None) or community_name(ctx))


def is_network_animator(ctx: Community, platform_id: str, roles: frozenset[str] = frozenset()) -> bool:
    """A network animator, as `[network] animators` says (a user id or one of their roles)."""
    check = getattr(network_of(ctx), "is_animator", None)
    return bool(check(platform_id, roles)) if check is not None else False


def reads_network_figures(ctx: Community, platform_id: str, roles: frozenset[str] = frozenset()) -> bool:
    """Who may read the network's figures (`vitality network:true`: counts, no names): its animators; with
    nobody named in `[network] animators`, the home community's animators, from there (its digest goes to
    their channel already, and a network written as `[network] name` and its communities alone still has
    someone to read it). The dashboard's reach over other communities, which names people, stays theirs alone."""
    if is_network_animator(ctx, platform_id, roles):
        return True
    net = network_of(ctx)
    home = getattr(net, "home", None)
    return (net is not None and not getattr(net, "animators", None) and home is not None and is_network(ctx)
            and community_id(ctx) == community_id(home) and is_animator(ctx, frozenset(roles)))


def setting(ctx: Community, name: str, default: Any) -> Any:
    """A `[network]` setting (bot/network.py), or `default` where the config has none."""
    for holder in (network_of(ctx), getattr(ctx.config, "network", None)):
        value = getattr(holder, name, None) if holder is not None else None
        if value is not None and not callable(value):
            return value
    return default


def is_network(ctx: Community) -> bool:
    """More than one community: there is somewhere else to look."""
    return len(communities(ctx)) > 1


@dataclass(frozen=True)
class NetworkListing:
    """A network-visible member as the network directory shows them."""

    handle: str
    community: str  # the id of the community they are listed from
    community_name: str
    communities: list[str]  # the names of every community they belong to
    skills: tuple[str, ...] = ()  # the rest of their network profile, for the directory's text
    languages: tuple[str, ...] = ()
    bio: str = ""
    platform_id: str = ""  # how `data` names them (the console's `user`), never their display name

    def data(self) -> dict[str, Any]:
        return {"member": self.platform_id, "community": self.community, "communities": self.communities}


async def find_in_network(ctx: Community, skill: str) -> list[NetworkListing]:
    """Members of every community who opted in to the network (and keep a visible profile) offering the
    skill; each with the community they are listed from and every community they belong to."""
    key, _display = canonical(ctx, skill)
    conn = ctx.db.reader
    names = {c.guild_id: c for c in communities(ctx)}
    found: list[NetworkListing] = []
    seen: set[str] = set()  # one person once (one identity per platform), however many places share them
    for entry in await network_repo.directory(conn, key, DIRECTORY_LIMIT * 2):
        home = names.get(entry.guild_id)
        if home is None or entry.platform_id in seen:
            continue  # a community no longer in the config, or a person already listed from another place
        seen.add(entry.platform_id)
        places = [community_name(names[g]) for g in await network_repo.places_of(conn, entry.platform_id)
                  if g in names]
        skills = (await profiles_repo.skills_of(conn, entry.member_id))[OFFER]
        found.append(NetworkListing(entry.handle, community_id(home), community_name(home), places, tuple(skills),
                                    tuple(x for x in entry.languages.split(",") if x), entry.bio,
                                    entry.platform_id))
        if len(found) >= DIRECTORY_LIMIT:
            break
    return found


def jobs(ctx: Community) -> list[Any]:
    """Automatic widening, per community; the weekly network digest, in the home community only."""
    from bot.services import network_requests, network_vitality

    return network_requests.jobs(ctx) + network_vitality.jobs(ctx)
