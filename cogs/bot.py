"""The Discord bot: the Engine behind slash commands, persistent components, server events and delivery.

`run_bot` is what `entraide run` calls. The bot asks only for the members intent (no message content:
messages are counted, never read) and pings nobody unless a message names them explicitly.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord.ext import commands

from bot.app import Engine
from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.i18n import Translator
from bot.network_config import community_configs, is_network
from bot.services import setup
from bot.services.languages import supported
from bot.transports.signal_network import is_group
from cogs import sync as command_sync
from cogs.base import EntraideTree
from cogs.delivery import DiscordDelivery
from cogs.pages import PageButton
from cogs.server import DiscordServer
from cogs.translator import CatalogueTranslator
from cogs.views import DYNAMIC_ITEMS

if TYPE_CHECKING:
    from bot.transports.signal_network import SignalNetwork

log = logging.getLogger(__name__)

COG_MODULES = (
    "cogs.community", "cogs.profile", "cogs.request", "cogs.motm", "cogs.mod", "cogs.remind", "cogs.dashboard",
    "cogs.setup", "cogs.event", "cogs.proposal", "cogs.menus",
    "cogs.choices",  # last: it gives autocomplete to the options the cogs above declared
)
SYNC_CHOICES = ("auto", "force", "guild", "global", "none")


def bot_intents() -> discord.Intents:
    """Only what the bot uses: the server (guilds), its members (privileged: joins, leaves, names, roles)
    and guild messages (counted as activity, never read: no message content). No voice, no presence."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    intents.guild_messages = True
    return intents


class EntraideBot(commands.Bot):
    def __init__(
        self, config: Config, db_path: Path | str, clock: Clock | None = None, *,
        guild_id: str | None = None, sync: str = "none", deliver_every: float = 1.0, flush_every: float = 5.0,
        single_instance: bool = True, background: bool = True, only: Collection[str] | None = None,
        signal: SignalNetwork | None = None, **sharding: Any,
    ) -> None:
        # The bot never joins voice: discord.py's warnings about voice libraries would only worry people.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned, intents=bot_intents(), help_command=None,
            allowed_mentions=discord.AllowedMentions.none(), chunk_guilds_at_startup=False,
            tree_cls=EntraideTree, **sharding,
        )
        self.config = config
        self.db_path = db_path
        self.clock = clock or SystemClock()
        # The first community's server (alone: the community's); a network's others: `engine.engines`.
        self.guild_id = str(guild_id or first_guild_id(config))
        self.sync_mode = sync
        self.deliver_every = deliver_every
        self.flush_every = flush_every
        self.single_instance = single_instance
        self.background = background  # tests drive start-up and delivery themselves
        self.engine: Engine = None  # type: ignore[assignment]  # opened in setup_hook
        self._engine_task: asyncio.Task[None] | None = None
        self.dashboard = None  # the web dashboard, when [dashboard] enabled
        self.engine_ready = asyncio.Event()
        self.only = set(only) if only is not None else None  # `entraide run --communities` (None: all)
        self.signal = signal  # a network's Signal groups served by this process too (one runtime)

    def community_guild(self, guild_key: str | None = None) -> discord.Guild | None:
        """The server of a community (by its key; default: the first one's)."""
        key = str(guild_key or self.guild_id)
        return self.get_guild(int(key)) if key.isdigit() else None

    def engine_for(self, guild_id: int | str | None) -> Engine | None:
        """The engine of the community on this server; None for a server that is not the network's."""
        if guild_id is None or self.engine is None:
            return None
        return self.engine.for_guild(str(guild_id))

    @property
    def guild_keys(self) -> list[str]:
        """Every server the bot serves (one per community with a `guild_id`)."""
        return [engine.ctx.guild_id for engine in self.discord_engines] if self.engine else [self.guild_id]

    @property
    def discord_engines(self) -> list[Engine]:
        """The engines of the communities on Discord (the others, in a mixed network, are Signal groups)."""
        groups = self.signal.servers if self.signal is not None else {}
        return [engine for engine in self.engine.engines if engine.ctx.guild_id not in groups]

    def serves(self, entry: Any) -> bool:
        """A network community this process serves: one with a server (sharded: on one of its shards),
        or a Signal group when a Signal account runs here too; `--communities` narrows both."""
        if self.only is not None and entry.id not in self.only:
            return False
        if entry.guild_id:
            return self.serves_server(entry)
        return self.signal is not None and is_group(entry) and self.serves_group(entry)

    def serves_server(self, entry: Any) -> bool:
        return True

    def serves_group(self, entry: Any) -> bool:
        return True

    async def setup_hook(self) -> None:
        """Open the engine, load the cogs, register the persistent components and the translator."""
        delivery: Any = DiscordDelivery(self)
        if self.signal is not None:  # the groups this process serves, of those the account is in
            served = {entry.group for entry, _ in community_configs(self.config) if self.serves(entry)}
            self.signal.servers = {key: server for key, server in self.signal.servers.items() if key in served}
            self.signal = self.signal if self.signal.servers else None
        if self.signal is not None:  # one outbox: each row through its community's platform
            delivery = PlatformRouter(delivery, self.signal)
        self.engine = await Engine.open(
            self.config, self.db_path, self.clock, delivery, guild_id=self.guild_id,
            single_instance=self.single_instance,
            serves=self.serves if is_network(self.config) else None,
        )
        for engine in self.engine.engines:
            if self.signal is not None and engine.ctx.guild_id in self.signal.servers:
                self.signal.servers[engine.ctx.guild_id].engine = engine
            else:
                engine.ctx.platforms.append(DiscordServer(self, engine.ctx.guild_id))
        if self.discord_engines:
            self.guild_id = self.discord_engines[0].ctx.guild_id
        for module in COG_MODULES:
            await self.load_extension(module)
        self.add_dynamic_items(PageButton, *DYNAMIC_ITEMS)
        await self.tree.set_translator(CatalogueTranslator(self.engine.ctx.i18n))
        await self.sync_commands()
        if self.config.dashboard.enabled:
            from bot.web.server import start_dashboard

            self.dashboard = await start_dashboard(self.engine.ctx)
        if self.background:
            self._engine_task = asyncio.create_task(self.run_engine(), name="entraide-engine")

    async def sync_commands(self) -> None:
        """Register the slash commands when they changed (`auto`); `force` re-sends them where they were,
        `guild` / `global` there (removing the other scope's), `none` skips.

        A refused sync is one sentence in the log; the bot runs on with the commands Discord has.
        """
        if self.sync_mode == "none" or not self.guild_id.isdigit():
            return
        first = self.guild_id
        try:
            for key in self.guild_keys:  # a network: each server its commands (the sync reads guild_id)
                self.guild_id = key
                force = self.sync_mode != "auto"
                scope = self.sync_mode if self.sync_mode in command_sync.SCOPES else await command_sync.last_scope(self)
                try:
                    await command_sync.sync_commands(self, scope, force=force)
                except command_sync.SyncFailed as exc:
                    log.error(self.engine.ctx.t(None, "setup.run.sync_failed", error=str(exc)[:200]))
        finally:
            self.guild_id = first

    async def check_setup_at_start(self) -> None:
        """`setup check` at start-up: its result goes to mod-log when it changed (see the setup service)."""
        for engine in self.discord_engines:
            try:
                await setup.report_startup_check(engine.ctx)
            except Exception:
                log.exception("start-up setup check failed (%s)", engine.ctx.id)

    async def run_engine(self) -> None:
        """Once the server is visible: catch up, start the alarm, then deliver and flush on a loop.

        `engine.start()` waits for the gateway because channels are found by name in the guild cache.
        """
        await self.wait_until_ready()
        try:
            await self.engine.start()
        except Exception:  # a failed catch-up must not stop delivery; the next alarm tries again
            log.exception("start-up catch-up failed")
        await self.check_setup_at_start()
        if self.signal is not None:
            await self.signal.start()  # connects (or keeps trying in the background), reads each group
        self.engine.scheduler.start_alarm()
        self.engine_ready.set()
        last_flush = 0.0
        loop = asyncio.get_running_loop()
        while not self.is_closed():
            try:
                await self.engine.deliver()
                if loop.time() - last_flush >= self.flush_every:
                    for engine in self.engine.engines:
                        await engine.activity.flush()
                    last_flush = loop.time()
            except Exception:
                log.exception("delivery loop")
            await asyncio.sleep(self.deliver_every)

    async def close(self) -> None:
        if self._engine_task is not None:
            self._engine_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._engine_task
        if self.dashboard is not None:
            await self.dashboard.stop()  # ends the live streams first
            self.dashboard = None
        if self.signal is not None:
            await self.signal.stop()
        if self.engine is not None:
            await self.engine.close()
            self.engine = None  # type: ignore[assignment]
        await super().close()

    # Server events: each one engine call ------------------------------------------------------

    def _ours(self, guild: discord.Guild | None) -> bool:
        return guild is not None and self.engine_for(guild.id) is not None

    async def on_member_join(self, member: discord.Member) -> None:
        """A newcomer, greeted in the server's language until their own interactions tell theirs."""
        engine = self.engine_for(member.guild.id)
        if engine is not None and not member.bot:
            locale = str(member.guild.preferred_locale.value) if member.guild.preferred_locale else None
            await engine.member_joined(str(member.id), member.display_name, supported(engine.ctx, locale))

    async def on_member_remove(self, member: discord.Member) -> None:
        engine = self.engine_for(member.guild.id)
        if engine is not None and not member.bot:
            await engine.member_left(str(member.id))

    async def on_message(self, message: discord.Message) -> None:
        """Counted as activity only: the content is neither requested (no intent) nor read."""
        engine = self.engine_for(message.guild.id) if message.guild is not None else None
        if engine is not None and not message.author.bot and message.webhook_id is None:
            author = str(message.author.id)
            await engine.ensure_member(author, message.author.display_name)  # members from before the bot
            await engine.message_seen(author)

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        engine = self.engine_for(after.guild.id)
        if engine is None or after.bot:
            return
        if before.display_name != after.display_name:  # posts show the name people know on the server
            await engine.member_renamed(str(after.id), after.display_name)
        old, new = set(before.roles), set(after.roles)
        if old == new:
            return
        added = [role.name for role in new - old if not role.is_default()]
        removed = [role.name for role in old - new if not role.is_default()]
        await engine.roles_changed(str(after.id), after.display_name, added, removed)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.leave_other_server(guild)

    async def on_ready(self) -> None:
        for guild in list(self.guilds):
            await self.leave_other_server(guild)

    async def leave_other_server(self, guild: discord.Guild) -> None:
        """One community, one server: a server that is no community's is left (or ignored, by config)."""
        if self._ours(guild) or not self.guild_id.isdigit():
            return
        if self.config.community.other_servers == "ignore":
            log.info("ignoring server %s (%s): it is not the community's", guild.id, guild.name)
            return
        log.info("leaving server %s (%s): it is not the community's", guild.id, guild.name)
        try:
            await guild.leave()
        except discord.HTTPException as exc:
            log.warning("could not leave server %s: %s", guild.id, exc)


def first_guild_id(config: Config) -> str:
    """The server of the config's first Discord community (alone: `community.guild_id`)."""
    if not is_network(config):
        return config.community.guild_id
    return next((entry.guild_id for entry, _ in community_configs(config) if entry.guild_id), "")


def configure_logging(verbose: bool = False) -> None:
    """`entraide run` logs what it does at INFO ("synced N commands", the start-up check), in discord.py's
    own format; DEBUG with --verbose."""
    discord.utils.setup_logging(level=logging.DEBUG if verbose else logging.INFO)


def shard_of(guild_id: int | str, shard_count: int) -> int:
    """Discord's rule: a server's events come on shard (guild_id >> 22) % shard_count."""
    return (int(guild_id) >> 22) % shard_count


class ShardedEntraideBot(EntraideBot, commands.AutoShardedBot):
    """`entraide run --shards 0,1 --shard-count 4`: this process holds some of Discord's shards and
    serves the network's communities whose servers are on them; other processes, on the same
    PostgreSQL database, hold the rest (docs/SCALING.md)."""

    def __init__(self, config: Config, db_path: Path | str, *, shard_ids: list[int], shard_count: int,
                 **options: Any) -> None:
        super().__init__(config, db_path, shard_ids=shard_ids, shard_count=shard_count, **options)

    def serves_server(self, entry: Any) -> bool:
        return shard_of(entry.guild_id, self.shard_count or 1) in (self.shard_ids or [])

    def serves_group(self, entry: Any) -> bool:
        """Signal groups are not on Discord's shards: a sharded process serves those named by --communities."""
        return self.only is not None


class PlatformRouter:
    """The outbox transport of a process serving Discord servers and Signal groups: each row goes out
    through the platform of the community that wrote it (its key: a Signal group's, else Discord)."""

    def __init__(self, discord_delivery: DiscordDelivery, signal: SignalNetwork) -> None:
        self.discord, self.signal = discord_delivery, signal

    async def deliver(self, message: Any) -> str | None:
        if message.guild_id in self.signal.servers:
            return await self.signal.deliver(message)
        return await self.discord.deliver(message)


def run_bot(config: Config, db_path: Path | str, token: str, sync: str = "auto",
            shard_ids: list[int] | None = None, shard_count: int | None = None,
            only: Collection[str] | None = None, signal: bool = False) -> int:
    """`entraide run`: log in, serve until stopped. A bad token or setup gives one clear sentence."""
    if sync not in SYNC_CHOICES:
        print(f"--sync must be one of {', '.join(SYNC_CHOICES)}.", file=sys.stderr)
        return 2
    if not first_guild_id(config).isdigit():
        print("Set community.guild_id in the config to your Discord server's id (right-click the server → "
              "Copy Server ID, with Developer Mode on); see the README, “Run it on Discord”.", file=sys.stderr)
        return 2
    network = None
    if signal:  # the network's Signal groups too, through the daemon of [signal]
        from bot.transports.signal_network import SignalNetwork

        network = SignalNetwork(config)
    if shard_ids is not None and shard_count is not None:
        bot: EntraideBot = ShardedEntraideBot(config, db_path, sync=sync, shard_ids=shard_ids,
                                              shard_count=shard_count, only=only, signal=network)
    else:
        bot = EntraideBot(config, db_path, sync=sync, only=only, signal=network)

    async def main() -> None:
        async with bot:
            await bot.start(token)

    try:
        asyncio.run(main())
    except discord.LoginFailure:
        print("Discord refused the token: copy the bot token again from the Developer Portal "
              "(Bot → Reset Token) into DISCORD_TOKEN.", file=sys.stderr)
        return 1
    except discord.PrivilegedIntentsRequired:
        print("Discord refused the Server Members intent: enable it in the Developer Portal "
              "(Bot → Privileged Gateway Intents → Server Members Intent).", file=sys.stderr)
        return 1
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:  # no network, DNS, Discord down
        words = Translator(config.community.locale, config.community.timezone)
        print(words.t(None, "setup.run.unreachable", error=type(exc).__name__), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
