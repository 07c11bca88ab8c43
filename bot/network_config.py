"""A network's configuration: each `[[communities]]` entry merged over the top-level settings.

A config without `[[communities]]` is a network of one (today's config, unchanged). With entries,
every community gets its own effective `Config`: the top-level sections, with what the entry sets
on top (`name`, `locale`, `guild_id`… go into `[community]`, `group` into `[signal]`, a section such as
`channels = { general = "agora" }` is merged key by key). Problems read as one sentence naming
`communities[N].key`, like every other setting (bot/config_check.py).
"""
from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from bot.config import (
    COMMUNITY_FIELDS,
    COMMUNITY_SECTIONS,
    SLUG,
    CommunityEntry,
    Config,
    ConfigError,
)

SINGLE_ID = "main"  # the id of the one community of a config without [[communities]]
# By the config's identity (a frozen model holding lists cannot be hashed); a dead config's entry is replaced.
_CACHE: dict[int, tuple[weakref.ref[Config], list[tuple[CommunityEntry, Config]]]] = {}


def is_network(config: Config) -> bool:
    """True when the config declares `[[communities]]` (even one): ids and keys are then per community."""
    return bool(config.communities)


def merged_data(config: Config, entry: CommunityEntry) -> dict[str, Any]:
    """The top-level settings with the entry's own on top (the raw document a community reads)."""
    data = config.model_dump(exclude={"network", "communities"})
    community = dict(data["community"])
    for name in COMMUNITY_FIELDS:
        value = getattr(entry, name)
        if value is not None:
            community[name] = value
    data["community"] = community
    for section in COMMUNITY_SECTIONS:
        own = getattr(entry, section)
        if own:
            data[section] = {**data[section], **own}
    if entry.group is not None:
        data["signal"] = {**data["signal"], "group": entry.group}
    return data


def community_configs(config: Config) -> list[tuple[CommunityEntry, Config]]:
    """Each community of the network with its effective config (a network of one: the config itself)."""
    cached = _CACHE.get(id(config))
    if cached is not None and cached[0]() is config:
        return cached[1]
    if not config.communities:
        entry = CommunityEntry(id=SINGLE_ID, name=config.community.name,
                               guild_id=config.community.guild_id or None, group=config.signal.group or None)
        result = [(entry, config)]
    else:
        result = [(entry, Config.model_validate(merged_data(config, entry))) for entry in config.communities]
    _CACHE[id(config)] = (weakref.ref(config), result)
    if len(_CACHE) > 256:  # configs come and go in tests: drop the dead ones
        for key in [k for k, (ref, _) in _CACHE.items() if ref() is None]:
            del _CACHE[key]
    return result


def chosen_community(
    config: Config, community_id: str | None, source: str = "--community",
) -> tuple[Config, str | None]:
    """The community a command-line tool acts on (`--community <id>`; default: the first, so a single
    community sees no change): its effective config, and the key its rows are stored under (None for a
    config without `[[communities]]`: the tool keeps its own default key, as before)."""
    from bot.config_check import shown, words

    entries = community_configs(config)
    if not config.communities:
        if community_id in (None, SINGLE_ID):
            return config, None
    else:
        for entry, own in entries:
            if community_id is None or entry.id == community_id:
                return own, entry.platform_key
    loc = config.community.locale if config.community.locale in ("fr", "en") else "fr"
    raise ConfigError(words().t(loc, "settings.community_unknown", source=source, value=shown(community_id),
                                ids=", ".join(entry.id for entry, _ in entries)))


def check_network(config: Config, data: dict[str, Any], source: str) -> None:
    """Ids, platform bindings and each community's merged settings; the first problem as a ConfigError."""
    from bot.config_check import config_locale, describe_validation_error, shown, words

    loc = config_locale(data)
    seen: dict[str, int] = {}
    bound: dict[tuple[str, str], int] = {}
    for index, entry in enumerate(config.communities):
        where = f"communities[{index + 1}]"
        if not SLUG.match(entry.id):
            raise ConfigError(words().t(loc, "settings.community_id_bad", source=source, key=f"{where}.id",
                                        value=shown(entry.id)))
        if entry.id in seen:
            raise ConfigError(words().t(loc, "settings.community_id_twice", source=source, id=entry.id,
                                        first=seen[entry.id] + 1, second=index + 1))
        seen[entry.id] = index
        for platform, value in (("guild_id", entry.guild_id), ("group", entry.group)):
            if not value:
                continue
            other = bound.get((platform, value))
            if other is not None:
                raise ConfigError(words().t(loc, f"settings.community_{platform}_shared", source=source,
                                            value=shown(value), first=config.communities[other].id,
                                            second=entry.id))
            bound[(platform, value)] = index
        try:
            Config.model_validate(merged_data(config, entry))
        except ValidationError as exc:
            err = dict(exc.errors()[0])
            err["loc"] = _entry_loc(index, tuple(err["loc"]))
            raise ConfigError(describe_validation_error(err, data, source)) from None
    if config.network.home and config.network.home not in seen:
        raise ConfigError(words().t(loc, "settings.network_home_unknown", source=source,
                                    value=shown(config.network.home), ids=", ".join(seen)))


def _entry_loc(index: int, loc: Sequence[Any]) -> tuple[Any, ...]:
    """A merged setting's place, as the entry writes it: `community.locale` → `communities[2].locale`."""
    head = f"communities[{index + 1}]"
    if loc and loc[0] == "community":
        return (head, *loc[1:])
    if loc and loc[0] == "signal":
        return (head, "group") if loc[1:2] == ("group",) else (head, *loc)
    return (head, *loc)
