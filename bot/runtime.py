"""A network's runtime: one Engine per community, sharing one database, dispatcher, scheduler and lock.

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
from storage.database import InstanceLock

if TYPE_CHECKING:
    from bot.app import Engine


def open_network(
    cls: type[Engine], config: Config, db: Any, clock: Clock, transport: Transport, lock: InstanceLock | None,
    serves: Callable[[CommunityEntry], bool] | None = None,
) -> Engine:
    """One engine per community of the network, all on one database, dispatcher, scheduler and lock."""
    from bot.network import Network
    from bot.network_config import community_configs

    contexts = []
    for entry, own in community_configs(config):
        if serves is not None and not serves(entry):
            continue
        translator = Translator(own.community.locale, own.community.timezone)
        contexts.append(Community(db=db, clock=clock, config=own, i18n=translator, guild_id=entry.platform_key,
                                  id=entry.id, key_prefix=f"{entry.id}/"))
    if not contexts:
        raise ValueError("no community of the network is served here")
    network = Network(config.network, contexts, declared=True, name=config.community.name)
    for ctx in contexts:
        ctx.network = network
    first = cls(contexts[0], transport, lock)
    for ctx in contexts[1:]:
        cls(ctx, transport, runtime=first)
    return first
