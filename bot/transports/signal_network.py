"""One Signal account in several groups: a network's communities that live on Signal (docs/NETWORK.md).

Each community with a `group` gets its own `SignalServer` (its engine, its group, its members); they
share one signal-cli connection. Notifications are routed here: a group message to the server of
that group, a private message to the community the sender belongs to (the first one, in config
order, among all the network's groups: when another process serves that group, it answers; a reaction
to the community whose message it reacts to). The outbox is shared (one dispatcher): each message goes
out through the server of the community that wrote it. A process may serve some groups only (`serves`,
from `entraide run --communities`), and a Discord bot may hold this too (cogs/bot.py: one process for
a network's servers and groups).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from bot.config import CommunityEntry, Config
from bot.network_config import community_configs
from bot.transports.signal import SignalServer
from bot.transports.signal_consumer import NotificationConsumer
from bot.transports.signal_members import platform_id_of
from bot.transports.signal_rpc import Endpoint, SignalRpc
from storage import members as members_repo
from storage import signal as signal_repo

log = logging.getLogger(__name__)


class SignalNetwork(NotificationConsumer):
    """The transport of a network's Signal communities: routes notifications in and messages out."""

    def __init__(self, config: Config, rpc: SignalRpc | None = None,
                 serves: Callable[[CommunityEntry], bool] | None = None) -> None:
        self.config = config
        self.settings = config.signal
        self.rpc = rpc or SignalRpc(Endpoint(socket=self.settings.socket or None, tcp=self.settings.tcp or None))
        on_signal = [(entry, own) for entry, own in community_configs(config) if is_group(entry)]
        self.groups = [entry.group for entry, _ in on_signal]  # all of them, served here or by another process
        self.servers: dict[str, SignalServer] = {
            entry.group: SignalServer(own, self.rpc) for entry, own in on_signal if serves is None or serves(entry)
        }
        self.rpc.on_connected = self.reconcile  # every group's members, after each (re)connection
        self._consumer: asyncio.Task[None] | None = None

    @property
    def engine(self) -> Any:
        """The first community's engine (the runtime's: start, deliver, close act for all)."""
        return self.first.engine

    @property
    def first(self) -> SignalServer:
        return next(iter(self.servers.values()))

    @property
    def reconciles(self) -> int:
        return min(server.reconciles for server in self.servers.values())

    def reconciling(self) -> bool:
        return any(server._reconcile_lock.locked() for server in self.servers.values())

    async def deliver(self, message: Any) -> None:
        """Through the server of the community that wrote the message (its outbox row's key)."""
        server = self.servers.get(message.guild_id) or self.first
        await server.deliver(message)

    async def reconcile(self) -> None:
        for server in self.servers.values():
            await server.reconcile()

    # Life ------------------------------------------------------------------------------------

    consumer_name = "signal-network-consumer"

    async def members_ready(self) -> None:
        for server in self.servers.values():
            await server.members_known.wait()

    # Routing ---------------------------------------------------------------------------------

    async def handle_notification(self, note: dict[str, Any]) -> None:
        server = await self.server_for(note)
        if server is not None:
            await server.handle_notification(note)

    async def server_for(self, note: dict[str, Any]) -> SignalServer | None:
        """The community a notification is for; None when it is none of the network's."""
        params = note.get("params") or {}
        if isinstance(params, dict) and "result" in params and "envelope" not in params:
            params = params.get("result") or {}
        envelope = params.get("envelope") if isinstance(params, dict) else None
        data = envelope.get("dataMessage") if isinstance(envelope, dict) else None
        if not isinstance(data, dict):
            return None
        group_info = data.get("groupInfo") if isinstance(data.get("groupInfo"), dict) else None
        group = group_info.get("groupId") if group_info else None
        if group is not None:
            if group in self.servers:
                return self.servers[group]
            return next((s for s in self.servers.values() if group in s.our_groups()), None)
        reaction = data.get("reaction")
        if isinstance(reaction, dict) and isinstance(reaction.get("targetSentTimestamp"), int):
            for key, server in self.servers.items():
                reader = server.engine.ctx.db.reader
                if await signal_repo.message_components(reader, key, reaction["targetSentTimestamp"]) is not None:
                    return server
        aci = envelope.get("sourceUuid") if isinstance(envelope, dict) else None
        if not isinstance(aci, str) or not aci:
            return None
        platform_id = platform_id_of(aci)
        reader = self.first.engine.ctx.db.reader
        for key in self.groups:  # a private message: the first community they belong to, in config order
            member = await members_repo.by_platform_id(reader, key, platform_id)
            if member is not None and member.left_at is None and not member.erased:
                return self.servers.get(key)  # None: another process serves that group and answers
        return None


def is_group(entry: CommunityEntry) -> bool:
    """A community that lives in a Signal group (a `guild_id` wins: that community is on Discord)."""
    return bool(entry.group) and not entry.guild_id


def network_missing(config: Config) -> str | None:
    """What `run --transport signal` still needs for a network, as one sentence; None when complete."""
    settings = config.signal
    if not settings.account:
        return settings.missing()
    if bool(settings.socket) == bool(settings.tcp):
        return settings.missing()
    if not any(entry.group for entry, _ in community_configs(config)):
        return "give at least one [[communities]] entry its Signal group (group = \"<groupId>\")."
    for entry, own in community_configs(config):
        if entry.group and own.signal.missing():
            return f"communities ({entry.id}): {own.signal.missing()}"
    return None
