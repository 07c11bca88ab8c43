"""The composition root: one `Engine` wires storage, clock, words, services, outbox and scheduler.

Transports (console, Discord cogs, later Signal) hold an Engine and call its methods; they never
reach past it into storage.
"""
from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.clock import Clock
from bot.commands.dispatch import run_click, run_command
from bot.commands.registry import Actor, Reply
from bot.config import CommunityEntry, Config
from bot.context import Community
from bot.i18n import Translator
from bot.jobs import Job
from bot.network_config import is_network
from bot.outbox import Dispatcher, Outgoing, PermanentDeliveryError, Transport
from bot.scheduler import Scheduler
from bot.services.activity import ActivityRecorder
from storage import members as members_repo
from storage.database import DatabaseError, InstanceLock, InstanceLocked, is_url, open_database
from storage.postgres import redact
from storage.preflight import check_database_path

if TYPE_CHECKING:
    from bot.network import Network

log = logging.getLogger(__name__)

# Each area: a service module (rules, jobs, events) and a command module (the text face).
AREAS = (
    "profiles", "privacy", "onboarding", "requests", "engagement", "reminders", "polls", "moderation", "vitality",
    "dashboard",
    "setup",
    "skills",
    "events", "proposals",
    "network_shared",
)
COMMAND_MODULES = ("core", "pages") + AREAS


def load_command_modules() -> None:
    for area in COMMAND_MODULES:
        importlib.import_module(f"bot.commands.{area}")


def collect_jobs(ctx: Community) -> list[Job]:
    jobs: list[Job] = []
    for area in AREAS:
        module = importlib.import_module(f"bot.services.{area}")
        if hasattr(module, "jobs"):
            jobs.extend(module.jobs(ctx))
    return jobs


class Engine:
    """The bot's core for one community, whatever the platform.

    In a network (bot/runtime.py) there is one Engine per community; they share the database, the
    dispatcher, the scheduler and the instance lock (`runtime`: the first one's). `start`, `deliver`,
    `close` and the scheduler act for the whole network from any of them.
    """

    def __init__(
        self, ctx: Community, transport: Transport, lock: InstanceLock | None = None, *,
        runtime: Engine | None = None,
    ) -> None:
        load_command_modules()
        self.ctx = ctx
        self.transport = transport
        if hasattr(transport, "platform_for"):  # one transport for several communities: a view of each
            ctx.platforms.append(transport.platform_for(ctx))
        elif hasattr(transport, "server_members"):  # the transport also describes its server (setup service)
            ctx.platforms.append(transport)
        self.activity = ActivityRecorder(ctx)
        if runtime is None:
            self.lock = lock
            self.dispatcher = Dispatcher(ctx.db, ctx.clock, transport, ctx.config.delivery, self._dm_closed,
                                         self._delivery_failed, timezone=ctx.tz)
            self.scheduler = Scheduler(ctx, collect_jobs(ctx), self.dispatcher, before_job=self.activity.flush)
            self.engines: list[Engine] = [self]
        else:
            self.lock = runtime.lock
            self.dispatcher, self.scheduler, self.engines = runtime.dispatcher, runtime.scheduler, runtime.engines
            self.scheduler.add(ctx, collect_jobs(ctx), self.activity.flush)
            self.engines.append(self)
        self.dispatcher.route(ctx.guild_id, self._dm_closed, self._delivery_failed, ctx.tz)

    @property
    def network(self) -> Network:
        return self.ctx.network

    def for_community(self, community_id: str) -> Engine | None:
        """The engine of the community with this id (`[[communities]] id`; `main` alone)."""
        return next((e for e in self.engines if e.ctx.id == community_id), None)

    def for_guild(self, guild_key: str) -> Engine | None:
        """The engine of the community stored under this key (a Discord server id, a Signal group id)."""
        return next((e for e in self.engines if e.ctx.guild_id == str(guild_key)), None)

    @classmethod
    async def open(
        cls, config: Config, db_path: Path | str, clock: Clock, transport: Transport,
        guild_id: str = "console", single_instance: bool = True,
        serves: Callable[[CommunityEntry], bool] | None = None,
    ) -> Engine:
        """The engine of the config's first community (the only one without `[[communities]]`); the others
        are `engine.engines`. `guild_id`: the key a lone community is stored under (the transport's);
        `serves`: which communities of a network this process serves (default: all)."""
        url = is_url(db_path)
        if not url:
            check_database_path(db_path)  # a missing folder, a read-only or damaged file: one sentence, no start
        from bot.runtime import community_busy, served_keys

        keys = served_keys(config, guild_id, serves)
        lock = None
        if single_instance and not url:  # SQLite: one process per community (storage/database.py)
            lock = InstanceLock(Path(db_path), keys)
            try:
                lock.acquire()
            except InstanceLocked as exc:
                raise community_busy(config, exc.community, str(db_path)) from None
        try:
            db = await open_database(db_path, synchronous=config.database.synchronous)
        except BaseException:
            if lock:
                lock.release()
            raise
        if not is_network(config):
            translator = Translator(config.community.locale, config.community.timezone)
            ctx = Community(db=db, clock=clock, config=config, i18n=translator, guild_id=guild_id)
            engine = cls(ctx, transport, lock)
        else:
            from bot.runtime import open_network

            engine = open_network(cls, config, db, clock, transport, lock, serves)
        if url and single_instance:  # PostgreSQL: one process per community, several per database
            served = ""
            try:
                for served in keys:
                    await db.lock_community(served)
            except DatabaseError:
                await db.close()
                raise community_busy(config, served, redact(str(db_path))) from None
            except BaseException:
                await db.close()
                raise
        return engine

    async def start(self) -> None:
        """What a real start-up does: deliver what a crash left pending, catch up missed periods."""
        await self._sweep_files()
        await self.dispatcher.deliver_due()
        await self.scheduler.catch_up()

    async def _sweep_files(self) -> None:
        """Files a crash left behind (written, never delivered) go, except those still to be sent."""
        from storage import outbox as outbox_repo

        keep = await outbox_repo.pending_attachment_paths(self.ctx.db.reader)
        self.ctx.files.sweep(keep)

    async def close(self) -> None:
        """Closes the whole runtime (every community's engine shares the database and the lock)."""
        try:
            for engine in self.engines:
                await engine.activity.flush()
        finally:
            self.scheduler.stop_alarm()
            await self.ctx.db.close()
            if self.lock:
                self.lock.release()

    async def _dm_closed(self, platform_id: str) -> None:
        async with self.ctx.db.transaction() as tx:
            member = await members_repo.by_platform_id(tx, self.ctx.guild_id, platform_id)
            if member is not None:
                await members_repo.update_fields(tx, member.id, dms_closed=1)

    async def _delivery_failed(self, message: Outgoing, error: PermanentDeliveryError) -> None:
        from bot.services.failures import report_delivery_failure

        await report_delivery_failure(self.ctx, message, error)

    # What transports call -------------------------------------------------------------------

    async def command(self, actor: Actor, name: str, options: dict[str, Any] | None) -> Reply:
        return await run_command(self.ctx, actor, name, options, self.activity)

    async def click(self, actor: Actor, custom_id: str, values: list[str] | None = None) -> Reply:
        return await run_click(self.ctx, actor, custom_id, values, self.activity)

    async def text_command(self, actor: Actor, text: str, mention_prefix: str | None = None) -> Reply:
        """A command typed as text (console REPL, Signal `!`): see bot/commands/parser.py."""
        from bot.commands.parser import run_text_command

        return await run_text_command(self.ctx, actor, text, self.activity, mention_prefix)

    async def member_joined(self, platform_id: str, handle: str, locale: str | None) -> None:
        from bot.services import onboarding

        await onboarding.member_joined(self.ctx, platform_id, handle, locale)

    async def member_renamed(self, platform_id: str, name: str) -> None:
        """The name people know on the server changed: posts show the new one."""
        member = await members_repo.by_platform_id(self.ctx.db.reader, self.ctx.guild_id, platform_id)
        if member is not None and not member.erased and member.handle != name[:100]:
            async with self.ctx.db.transaction() as tx:
                await members_repo.update_fields(tx, member.id, handle=name[:100])

    async def member_left(self, platform_id: str) -> None:
        from bot.services import onboarding

        await self.activity.flush()
        await onboarding.member_left(self.ctx, platform_id)

    async def message_seen(self, platform_id: str) -> None:
        await self.activity.message(platform_id)

    async def roles_changed(self, platform_id: str, handle: str, add: list[str], remove: list[str]) -> None:
        """Mirror the platform's roles (the console's simulated server keeps them here)."""
        async with self.ctx.db.transaction() as tx:
            from bot.services.members import ensure_member

            member = await ensure_member(tx, self.ctx, platform_id, handle)
            for role in add:
                await members_repo.add_role(tx, member.id, role)
            for role in remove:
                await members_repo.remove_role(tx, member.id, role)

    async def ensure_member(self, platform_id: str, handle: str, locale: str | None = None) -> None:
        """Make sure the bot knows a platform user (e.g. a Discord member who joined before the bot), under
        the name the platform shows now (a rename the bot missed while it was down is caught up here)."""
        from bot.services.members import ensure_member

        known = await members_repo.by_platform_id(self.ctx.db.reader, self.ctx.guild_id, platform_id)
        if known is None:
            async with self.ctx.db.transaction() as tx:
                await ensure_member(tx, self.ctx, platform_id, handle, locale)
        elif known.handle != handle[:100]:
            await self.member_renamed(platform_id, handle)

    async def roles_of(self, platform_id: str) -> frozenset[str]:
        member = await members_repo.by_platform_id(self.ctx.db.reader, self.ctx.guild_id, platform_id)
        return await members_repo.roles(self.ctx.db.reader, member.id) if member else frozenset()

    async def deliver(self) -> int:
        return await self.dispatcher.deliver_due()

