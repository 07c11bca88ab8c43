"""A network's runtime: one Engine per community, sharing one database, dispatcher, scheduler and lock.

A process may serve some of the network's communities only (`entraide run --communities`, `--shards`,
`--transport`): it locks those (one process per community) and sends only their outbox rows.

`Engine.open` comes here when the config has `[[communities]]` (docs/NETWORK.md). Each community keeps
its rows under its own key (its Discord server id, else its Signal group id, else its id), its job runs
under `<id>/job:period` and its outbox keys under `<id>/…`, so periods and idempotency are per community.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.clock import Clock
from bot.config import CommunityEntry, Config
from bot.context import Community
from bot.i18n import Translator
from bot.outbox import Transport
from storage.database import DatabaseError, InstanceLock

if TYPE_CHECKING:
    from bot.app import Engine


def open_network(
    cls: type[Engine], config: Config, db: Any, clock: Clock, transport: Transport, lock: InstanceLock | None,
    serves: Callable[[CommunityEntry], bool] | None = None,
) -> Engine:
    """One engine per community of the network, all on one database, dispatcher, scheduler and lock."""
    from bot.network import Network
    from bot.network_config import community_configs

    every, contexts = [], []
    for entry, own in community_configs(config):
        translator = Translator(own.community.locale, own.community.timezone)
        ctx = Community(db=db, clock=clock, config=own, i18n=translator, guild_id=entry.platform_key,
                        id=entry.id, key_prefix=f"{entry.id}/")
        every.append(ctx)
        if serves is None or serves(entry):
            contexts.append(ctx)
    if not contexts:
        raise ValueError("no community of the network is served here")
    # The network is every community, served here or by another process: the directory, widened requests
    # and the programme read and write all of them (the outbox rows of the others are their processes' to send).
    network = Network(config.network, every, declared=True, name=config.community.name)
    for ctx in every:
        ctx.network = network
    first = cls(contexts[0], transport, lock)
    for ctx in contexts[1:]:
        cls(ctx, transport, runtime=first)
    if len(contexts) < len(every):  # other processes serve the rest: their rows are theirs
        first.dispatcher.only = [ctx.guild_id for ctx in contexts]
    return first


def served_keys(config: Config, guild_id: str, serves: Callable[[CommunityEntry], bool] | None) -> list[str]:
    """The keys of the communities a process serves (what it locks): a lone community's `guild_id`."""
    from bot.network_config import community_configs, is_network

    if not is_network(config):
        return [guild_id]
    return [entry.platform_key for entry, _ in community_configs(config) if serves is None or serves(entry)]


def community_busy(config: Config, key: str | None, where: str) -> DatabaseError:
    """Another process serves this community (or opened the file by another name: `key` None), in the
    configured language, naming the community."""
    from bot.config_check import words
    from bot.network_config import community_configs

    locale = config.community.locale
    if key is None:
        return DatabaseError(words(locale).t(locale, "files.database_other_name", path=where))
    entries = [entry for entry, _ in community_configs(config)]
    entry = next((e for e in entries if e.platform_key == key), entries[0])
    return DatabaseError(words(locale).t(locale, "files.community_busy", name=entry.name, id=entry.id, path=where))
