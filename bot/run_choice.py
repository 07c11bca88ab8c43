"""What `entraide run` serves in this process: which communities of the network, on which platforms.

`--communities lilas,quai` names them (default: every one); `--transport discord|signal` keeps one
platform (default: each community on its own, Discord servers and Signal groups in one process);
with `--shards`, Discord communities go by their server's shard and Signal groups are served only when
named. Each community is locked by the process serving it (storage/database.py, PostgreSQL's advisory
locks), so processes given disjoint communities share one database (docs/SCALING.md).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.config import CommunityEntry, Config, ConfigError
from bot.network_config import community_configs, is_network

PLATFORMS = {"discord": "Discord", "signal": "Signal"}  # as their names are written, in any language
KEYS = {"discord": "guild_id", "signal": "group"}  # what binds a [[communities]] entry to each


def platform_of(entry: CommunityEntry) -> str | None:
    """Where a community lives: its Discord server, else its Signal group (None: the console only)."""
    return "discord" if entry.guild_id else "signal" if entry.group else None


@dataclass(frozen=True)
class RunChoice:
    only: frozenset[str] | None  # community ids named by --communities (None: all)
    platforms: tuple[str, ...]  # what this process connects to: discord, signal or both

    def serves(self, entry: CommunityEntry) -> bool:
        """Named (or no names given) and on a platform this process runs."""
        return (self.only is None or entry.id in self.only) and platform_of(entry) in self.platforms


def named(config: Config, communities: str | None) -> frozenset[str] | None:
    """The ids `--communities lilas,quai` names (None: not given, every community), each checked against
    the network's, or a ConfigError in the configured language (`entraide run` and `entraide console`)."""
    from bot.config_check import words

    locale = config.community.locale
    say = words(locale)
    names = [part.strip() for part in (communities or "").split(",") if part.strip()] if communities else None
    if names is None:
        return None
    if not is_network(config):
        raise ConfigError(say.t(locale, "settings.run_communities_alone"))
    known = [entry.id for entry, _ in community_configs(config)]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise ConfigError(say.t(locale, "settings.run_communities_unknown", value=", ".join(unknown) or "—",
                                ids=", ".join(known)))
    return frozenset(names)


def console_serves(config: Config, communities: str | None) -> Callable[[CommunityEntry], bool] | None:
    """What `entraide console --communities` serves: the named communities whatever their platform (the
    console simulates every one), or all (None)."""
    only = named(config, communities)
    return None if only is None else (lambda entry: entry.id in only)


def choose(config: Config, transport: str | None, communities: str | None, sharded: bool = False) -> RunChoice:
    """The choice, or a ConfigError in the configured language naming what does not fit."""
    from bot.config_check import words

    locale = config.community.locale
    say = words(locale)
    only = named(config, communities)
    if not is_network(config):
        return RunChoice(None, (transport or "discord",))
    entries = [entry for entry, _ in community_configs(config)]
    chosen = [entry for entry in entries if only is None or entry.id in only]
    found = {platform_of(entry) for entry in chosen}
    if sharded and only is None:
        found.discard("signal")  # groups are not on Discord's shards: a sharded process serves the named ones
    wanted = tuple(p for p in ("discord", "signal") if p in found and transport in (None, p))
    if not wanted:
        if transport is not None and only is None:
            return RunChoice(None, (transport,))  # as before: the platform's own check says what is missing
        ids = ", ".join(e.id for e in chosen)
        if transport is None:  # on no platform at all: say what makes a community live on one
            raise ConfigError(say.t(locale, "settings.run_nothing_served", ids=ids))
        raise ConfigError(say.t(locale, "settings.run_nothing_served_on", ids=ids, platform=PLATFORMS[transport],
                                key=KEYS[transport]))
    return RunChoice(only, wanted)
