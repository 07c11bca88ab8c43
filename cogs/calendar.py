"""Events as Discord Scheduled Events: one outbox `event` row → the entry created, edited or cancelled.

The rules (which occurrences, when, what the entry says) are in bot/services/event_mirror.py. Here:
- every entry is `external` with a location (the place, or the online link), in the server's
  Events list; Discord requires an end time and a location for those;
- crash safety: the intent to create is committed (`attempted_at`) before Discord is asked; a retry
  that has no id but an intent looks among the server's scheduled events for the bot's own entry
  whose description ends with the marker, so a restart never creates a second one;
- a revision older than the one applied is skipped (a late retry never undoes a newer change);
- an entry that has started (or ended) is left as Discord has it; a cancelled occurrence whose entry is
  already active is ended by deleting it;
- no *Create Events* nor *Manage Events* permission: a permanent failure the failures service tells
  the animators about (once a day), before any call is made.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.commands.hints import SLASH, render_hints
from bot.outbox import Outgoing, PermanentDeliveryError
from storage import event_mirror as mirror_repo

if TYPE_CHECKING:
    from cogs.bot import EntraideBot

log = logging.getLogger(__name__)


def may_manage_events(guild: discord.Guild) -> bool:
    """The bot may create entries (and edit its own): Create Events, or Manage Events."""
    me = guild.me
    if me is None:
        return False
    perms = me.guild_permissions
    return bool(perms.create_events or perms.manage_events)


def _ends_with_marker(event: discord.ScheduledEvent, marker: str) -> bool:
    lines = (event.description or "").rstrip().splitlines()
    return bool(lines) and lines[-1].strip() == marker


class DiscordCalendar:
    """Applies `event` outbox rows to the guild's Scheduled Events."""

    def __init__(self, bot: EntraideBot) -> None:
        self.bot = bot

    @property
    def _db(self):  # noqa: ANN202
        return self.bot.engine.ctx.db

    async def apply(self, guild: discord.Guild, message: Outgoing) -> None:
        payload = message.payload
        event_id = int(payload["event_id"])
        revision = int(payload["revision"])
        state = await mirror_repo.get(self._db.reader, event_id)
        if state is not None and state.applied >= revision:
            return  # a newer change already reached Discord
        if not may_manage_events(guild):
            raise PermanentDeliveryError("the bot may not create events here", cause="missing_permissions",
                                         params={"permission": "create_events"})
        marker = str(payload.get("marker") or f"entraide-{event_id}")
        found = await self._find(guild, state, marker)
        if payload.get("action") == "cancel":
            if found is not None:
                await self._cancel(found)
        elif found is None:
            found = await self._create(guild, event_id, payload)
        elif found.status is discord.EventStatus.scheduled:
            await found.edit(**self._fields(payload))
        async with self._db.transaction() as tx:
            if found is not None:
                await mirror_repo.set_ref(tx, event_id, str(found.id))
            await mirror_repo.mark_applied(tx, event_id, revision)

    async def _find(self, guild: discord.Guild, state: mirror_repo.Mirror | None,
                    marker: str) -> discord.ScheduledEvent | None:
        """The entry by its id; by its marker when a create may have happened without its id being kept."""
        if state is not None and state.ref is not None:
            cached = guild.get_scheduled_event(int(state.ref))
            if cached is not None:
                return cached
            try:
                return await guild.fetch_scheduled_event(int(state.ref))
            except discord.NotFound:
                return None  # deleted on Discord: shown again if still wanted
        if state is None or state.attempted_at is None:
            return None
        me = self.bot.user.id if self.bot.user is not None else None
        for event in await guild.fetch_scheduled_events(with_counts=False):
            if _ends_with_marker(event, marker) and (me is None or event.creator_id in (None, me)):
                return event
        return None

    def _fields(self, payload: dict) -> dict:
        return {
            "name": str(payload["name"]),
            "description": render_hints(str(payload.get("description") or ""), SLASH),
            "start_time": datetime.fromisoformat(str(payload["start"])),
            "end_time": datetime.fromisoformat(str(payload["end"])),
            "location": str(payload["location"]),
            "entity_type": discord.EntityType.external,
            "privacy_level": discord.PrivacyLevel.guild_only,
        }

    async def _create(self, guild: discord.Guild, event_id: int, payload: dict) -> discord.ScheduledEvent:
        async with self._db.transaction() as tx:  # the intent first: a crash after the call is found again
            await mirror_repo.mark_attempted(tx, event_id, self.bot.engine.ctx.now_ts())
        created = await guild.create_scheduled_event(**self._fields(payload), reason="entraide")
        async with self._db.transaction() as tx:
            await mirror_repo.set_ref(tx, event_id, str(created.id))
        return created

    async def _cancel(self, found: discord.ScheduledEvent) -> None:
        if found.status is discord.EventStatus.scheduled:
            await found.cancel(reason="entraide")
        elif found.status is discord.EventStatus.active:
            await found.delete(reason="entraide")
