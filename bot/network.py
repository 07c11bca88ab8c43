"""`ctx.network`: the communities one process serves together, and the network's own settings.

Every community context points to the same `Network` (bot/runtime.py builds it). A config without
`[[communities]]` is a network of one: `ctx.network.communities == [ctx]`, `declared` is False.
Services that look across places (network profile, directory, widened requests, the network digest)
go through it; each community's own data stays under its own key (`ctx.guild_id`).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.config import Network as NetworkSettings
from bot.config import duration_seconds

if TYPE_CHECKING:
    from bot.context import Community


class Network:
    """The network's communities (in config order) and settings; shared by all their contexts."""

    def __init__(self, settings: NetworkSettings, communities: list[Community], declared: bool = True,
                 name: str = "") -> None:
        self.settings = settings
        self.communities = list(communities)
        self.declared = declared  # the config has [[communities]]: outputs name the community they are about
        self.name = settings.name or name or (communities[0].name if communities else "")
        self._by_id = {ctx.id: ctx for ctx in self.communities}
        self._by_guild = {ctx.guild_id: ctx for ctx in self.communities}

    @classmethod
    def of_one(cls, ctx: Community) -> Network:
        """A lone community's network (no `[[communities]]`): itself, under its top-level settings."""
        return cls(ctx.config.network, [ctx], declared=False)

    # Finding communities ---------------------------------------------------------------------

    @property
    def first(self) -> Community:
        """The first community of the config: the default wherever none is named (console inputs)."""
        return self.communities[0]

    def community(self, community_id: str) -> Community | None:
        return self._by_id.get(community_id)

    def by_guild(self, guild_key: str) -> Community | None:
        """The community whose rows are stored under this key (a Discord server id, a Signal group id)."""
        return self._by_guild.get(str(guild_key))

    def others(self, ctx: Community) -> list[Community]:
        """Every other community of the network, in config order."""
        return [other for other in self.communities if other is not ctx]

    @property
    def home(self) -> Community:
        """The community whose `channel` receives the network digest (`network.home`, else the first)."""
        return self.community(self.settings.home) or self.first

    def is_animator(self, user: Any, roles: Iterable[str] = ()) -> bool:
        """A network animator: named in `network.animators` by user id, or holding one of those roles.

        `user`: a platform id, or an object with `platform_id` (and `roles`, e.g. an Actor)."""
        wanted = set(self.settings.animators)
        if not wanted:
            return False
        platform_id = user if isinstance(user, str) else getattr(user, "platform_id", "")
        held = set(roles) | set(getattr(user, "roles", ()) or ())
        return platform_id in wanted or bool(held & wanted)

    # Settings read by the network features (widening, digest) --------------------------------

    @property
    def animators(self) -> list[str]:
        return list(self.settings.animators)

    @property
    def channel(self) -> str:
        return self.settings.channel

    @property
    def auto_widen(self) -> bool:
        return self.settings.auto_widen

    @property
    def widen_after(self) -> timedelta:
        return timedelta(seconds=duration_seconds(self.settings.widen_after))

    @property
    def widen_rounds(self) -> int:
        return self.settings.widen_rounds

    @property
    def digest_day(self) -> str:
        return self.settings.digest_day

    @property
    def digest_hour(self) -> int:
        return self.settings.digest_hour

    def __len__(self) -> int:
        return len(self.communities)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.communities)
