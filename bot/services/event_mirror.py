"""Events shown in the platform's own calendar (Discord Scheduled Events), created, edited and cancelled
with them.

Rules:
- only a transport that has a calendar asks for it (`ServerPlatform.mirrors_events`); the console and
  Signal have none, so nothing is queued there;
- each occurrence is its own entry; an occurrence is shown once it starts within `events.calendar_days`
  (a daily job rolls the horizon; a recurring event's next occurrence is written, and shown, when the
  latest one starts). An occurrence already started is never created (the platform refuses a start in
  the past) nor moved;
- every change is one outbox row (`event` op) holding the whole entry, keyed
  `event-mirror:<event>:<revision>`: a retry repeats the same change, an older one arriving late is
  ignored by the transport (it records the revision it applied);
- a change refused (the bot's role lacks *Create Events*) is told in mod-log once a day by the
  failures service, and tried again the next day, so granting the permission is enough;
- the entry says that the platform's "Interested" is not a sign-up: only the bot's own join (the
  post's button, `event join`) counts. The entry's last line is a marker (`entraide-<id>`) by which
  the transport finds an entry whose id a crash lost.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from bot.clock import from_epoch, to_epoch
from bot.context import Community
from bot.jobs import Job, period_day
from bot.mentions import neutralize
from bot.outbox import mirror_event
from bot.services.event_input import DAY
from storage import event_mirror as mirror_repo
from storage import events as events_repo
from storage.events import Event

MAX_NAME = 100  # Discord's limits for a scheduled event
MAX_DESCRIPTION = 1000
MAX_LOCATION = 100
RETRY_AFTER = DAY  # a refused change is tried again at the next daily run (at least half a day later)


def mirrors_events(ctx: Community) -> bool:
    """Whether a transport shows the events in its own calendar."""
    return any(getattr(platform, "mirrors_events", False) for platform in ctx.platforms)


def marker(event_id: int) -> str:
    """The entry's last line, by which a lost id is found again (never translated)."""
    return f"entraide-{event_id}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def entry(conn: aiosqlite.Connection, ctx: Community, event: Event) -> dict[str, Any]:
    """The entry as the platform shows it: name, when, where, and a description (kind, repetition,
    languages, the event's own text, shortened to fit) ending with the note and the marker."""
    loc = ctx.locale
    note = ctx.t(loc, "events.mirror.note", id=event.id)
    tail = f"\n\n{note}\n{marker(event.id)}"
    lines = [ctx.t(loc, f"events.kind_line.{event.kind}", id=event.id, title=neutralize(event.title))]
    if event.repeat_rule:
        lines.append(ctx.t(loc, "events.repeat_line", rule=ctx.i18n.rule(loc, event.repeat_rule)))
    if event.language_list:
        lines.append(ctx.t(loc, "events.languages_line", languages=", ".join(event.language_list)))
    if event.description:
        lines.append(neutralize(event.description))
    # No places left nor slots: they change with each sign-up, the entry only with the event.
    description = _cut("\n".join(lines), MAX_DESCRIPTION - len(tail)) + tail
    place = event.place or ctx.t(loc, "events.no_place")
    return {
        "name": _cut(event.title, MAX_NAME), "description": description,
        "start": from_epoch(event.start_at).isoformat(), "end": from_epoch(event.end_at).isoformat(),
        "location": _cut(place, MAX_LOCATION), "marker": marker(event.id),
    }


async def sync(tx: aiosqlite.Connection, ctx: Community, event: Event, *, retry: bool = False) -> bool:
    """Queue the occurrence's entry as it now is (created, edited or cancelled); True when queued.

    Called by the events service after each change, and by the daily job for occurrences entering the
    horizon or whose last change was refused."""
    if not mirrors_events(ctx):
        return False
    now = ctx.now_ts()
    known = await mirror_repo.get(tx, event.id)
    if event.status != "scheduled":
        if known is None:
            return False  # never shown: nothing to cancel
        payload: dict[str, Any] = {"action": "cancel", "marker": marker(event.id)}
        wanted = "cancelled"
    else:
        if event.start_at <= now:
            return False
        if known is None and event.start_at > now + ctx.config.events.calendar_days * DAY:
            return False  # the daily job shows it when it enters the horizon
        payload = {"action": "show", **await entry(tx, ctx, event)}
        wanted = "shown"
    revision = await mirror_repo.queue(tx, ctx.guild_id, event.id, wanted, now)
    await mirror_event(tx, ctx, event.id, revision, payload)
    return True


async def sync_by_id(tx: aiosqlite.Connection, ctx: Community, event_id: int, *, retry: bool = False) -> bool:
    event = await events_repo.by_id(tx, ctx.guild_id, event_id)
    return event is not None and await sync(tx, ctx, event, retry=retry)


async def roll(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime) -> None:
    """Daily: occurrences entering the horizon are shown; changes refused a day ago or more are retried."""
    now = to_epoch(fire_time)
    horizon = now + ctx.config.events.calendar_days * DAY
    for event in await mirror_repo.to_show(tx, ctx.guild_id, now, horizon):
        await sync(tx, ctx, event)
    for event_id in await mirror_repo.failed_before(tx, ctx.guild_id, now - RETRY_AFTER // 2):
        await sync_by_id(tx, ctx, event_id, retry=True)


async def has_work(ctx: Community, fire_time: datetime) -> bool:
    return mirrors_events(ctx)


def jobs(ctx: Community) -> list[Job]:
    from bot.jobs import cron

    hour, minute = ctx.config.schedule.daily_time.split(":")
    return [Job(name="event-calendar", trigger=cron(ctx.config.community.timezone, hour=int(hour), minute=int(minute)),
                period=period_day, body=roll, has_work=has_work)]
