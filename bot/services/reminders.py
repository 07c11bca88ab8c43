"""Reminders: animators' one-off or recurring announcements, posted on time and never twice.

A reminder's `next_at` is its next posting. The `reminders` job posts every reminder due at its
fire time and moves `next_at` on in the same transaction, so a restart never repeats one; the
simulated clock jumps straight to the next `next_at` (`next_due`). Recurring reminders are 5-field
rules read from words or cron by bot/when.py and stored as crontabs evaluated in the community's
timezone, so "every Sunday at 10:00" stays at 10:00 local time across daylight-saving changes; they
are read back in words (bot/when_words.py).
"""
from __future__ import annotations

import logging
import re
from datetime import datetime

import aiosqlite
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import cron_rules
from bot import when as when_rules
from bot.clock import from_epoch, to_epoch
from bot.context import Community
from bot.errors import invalid, not_found
from bot.jobs import Job, period_instant
from bot.mentions import has_forbidden_characters, neutralize
from bot.outbox import post
from bot.services.moderation import record_case
from bot.wall_times import cron_time_after
from bot.when_lexicon import WhenError
from storage import reminders as reminders_repo
from storage.members import Member
from storage.reminders import Reminder

log = logging.getLogger(__name__)

# A channel's name as people type it, emoji and separators included (`📢-annonces`, `┃général`), or its id.
CHANNEL_NAME = re.compile(r"^[^\s#<>@,]{1,100}$")
MAX_TEXT = 1500
CHANNEL_MENTION = re.compile(r"^<#(\d{1,30})>$")


def cron_trigger(expr: str, ctx: Community) -> CronTrigger:
    """A stored rule (5-field crontab, bot/cron_rules.py) in the community's timezone; ValueError otherwise."""
    return cron_rules.cron_trigger(expr, ctx.tz)


def parse_instant(text: str, ctx: Community) -> datetime | None:
    """An ISO 8601 date-time (community time when it carries no offset), else None."""
    return when_rules.parse_instant(text, ctx.tz)


def next_occurrence(reminder: Reminder, ctx: Community, after: datetime) -> int | None:
    """The posting after `after` (strictly); None for a one-off or a cron that no longer fires."""
    if not reminder.recurring:
        return None
    try:
        trigger = cron_trigger(reminder.spec, ctx)
    except ValueError:
        log.warning("reminder %s has an unreadable cron %r; stopped", reminder.id, reminder.spec)
        return None
    previous = from_epoch(reminder.next_at) if reminder.next_at is not None else None
    following = cron_time_after(trigger, after, ctx.tz, previous)  # once per local wall time, across DST
    return to_epoch(following) if following is not None else None


def local_iso(ctx: Community, epoch: int | None) -> str | None:
    return from_epoch(epoch).astimezone(ctx.tz).isoformat() if epoch is not None else None


def known_channels(ctx: Community) -> list[str]:
    """The channels the community's config names (`[channels]`), general first, each once."""
    channels = ctx.config.channels
    return list(dict.fromkeys((channels.general, channels.welcome, channels.help_requests, channels.animators,
                               channels.mod_log)))


def clean_channel(ctx: Community, channel: str | None) -> str:
    """`#general`, `📢-annonces`, a Discord `<#id>` or id → the channel's name or id; general by default.

    An id (what Discord's channel option gives: the platform's real channel) survives a rename; a name must
    be one the config gives, as written there (case aside): a name it does not know would post nowhere
    anyone reads (a Signal group carries only the configured channels)."""
    if not channel:
        return ctx.config.channels.general
    channel = channel.strip().lstrip("#")
    found = CHANNEL_MENTION.match(channel)
    if found:
        return found.group(1)
    if not CHANNEL_NAME.match(channel) or has_forbidden_characters(channel, allow_newlines=False):
        raise invalid("reminders.detail.bad_channel", channel=neutralize(channel[:60]))
    if channel.isdigit():
        return channel
    known = known_channels(ctx)
    for name in known:
        if name.casefold() == channel.casefold():
            return name
    raise invalid("reminders.detail.unknown_channel", channel=neutralize(channel[:60]),
                  known=", ".join(channel_in_words(name) for name in known))


def when_error(reason: str, when: str) -> Exception:
    """A `time.error.*` detail (with examples), as invalid_input."""
    return invalid(f"time.error.{reason}", when=neutralize(when[:60]))


def channel_in_words(channel: str) -> str:
    """How a reply names the channel: `#name`, or `<#id>` (which Discord shows as the channel's link)."""
    return f"<#{channel}>" if channel.isdigit() else "#" + neutralize(channel)


def parse_when(ctx: Community, when: str) -> tuple[str, bool, int]:
    """`when` in words, ISO or cron → (spec to store, recurring, first posting); invalid_input otherwise."""
    try:
        parsed = when_rules.parse_when(when, ctx.now(), ctx.tz)
    except WhenError as exc:
        raise when_error(exc.reason, when) from None
    return parsed.spec, parsed.recurring, to_epoch(parsed.first)


def spec_in_words(ctx: Community, locale: str | None, reminder: Reminder) -> str:
    """How a reminder's schedule reads: "tous les jeudis à 18 h", or the one-off date in words."""
    if reminder.recurring:
        return ctx.i18n.rule(locale, reminder.spec)
    instant = parse_instant(reminder.spec, ctx)
    return ctx.i18n.datetime(locale, instant) if instant is not None else reminder.spec


async def add_reminder(ctx: Community, author: Member, when: str, text: str, channel: str | None) -> Reminder:
    """Schedule an announcement (animators); audited in the mod-log."""
    spec, recurring, first = parse_when(ctx, when)
    target = clean_channel(ctx, channel)
    if not text.strip():
        raise invalid("common.detail.missing_option", option="text")
    async with ctx.db.transaction() as tx:
        reminder_id = await reminders_repo.insert(
            tx, ctx.guild_id, author.id, spec, recurring, text.strip(), None if channel is None else target,
            first, ctx.now_ts(),
        )
        reminder = await reminders_repo.by_id(tx, ctx.guild_id, reminder_id)
        assert reminder is not None
        said = ctx.t(ctx.locale, "reminders.case_reason", when=spec_in_words(ctx, ctx.locale, reminder),
                     channel=target, text=text[:80])
        await record_case(tx, ctx, author, "remind-add", None, f"#{reminder_id} {said}")
    return reminder


async def list_reminders(ctx: Community) -> list[Reminder]:
    return await reminders_repo.scheduled(ctx.db.reader, ctx.guild_id)


async def remove_reminder(ctx: Community, author: Member, reminder_id: int) -> None:
    async with ctx.db.transaction() as tx:
        reminder = await reminders_repo.by_id(tx, ctx.guild_id, reminder_id)
        if reminder is None:
            raise not_found("reminders.detail.unknown", reminder_id=reminder_id)
        await reminders_repo.delete(tx, ctx.guild_id, reminder_id)
        await record_case(tx, ctx, author, "remind-remove", None, f"#{reminder_id} {reminder.text[:80]}")


async def post_due_reminders(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime) -> None:
    """Post every reminder due by `fire_time` (within the catch-up grace) and move each to its next time."""
    fire_ts = to_epoch(fire_time)
    oldest = fire_ts - int(ctx.config.schedule.catch_up_grace_hours * 3600)
    updates: list[tuple[int | None, int]] = []
    for reminder in await reminders_repo.due(tx, ctx.guild_id, fire_ts):
        assert reminder.next_at is not None
        if reminder.next_at >= oldest:
            text = ctx.t(ctx.locale, "reminders.post", text=neutralize(reminder.text))
            await post(tx, ctx, reminder.channel or ctx.config.channels.general, "reminder", text,
                       key=f"reminder:{reminder.id}:{reminder.next_at}", about=[reminder.created_by])
        else:
            log.warning("reminder %s due at %s missed beyond the catch-up window; skipped",
                        reminder.id, local_iso(ctx, reminder.next_at))
        after = max(fire_time, from_epoch(reminder.next_at))
        updates.append((next_occurrence(reminder, ctx, after), reminder.id))
    await reminders_repo.set_many_next(tx, updates)


async def next_reminder_due(ctx: Community, after: datetime) -> datetime | None:
    found = await reminders_repo.earliest_after(ctx.db.reader, ctx.guild_id, to_epoch(after))
    return from_epoch(found) if found is not None else None


def jobs(ctx: Community) -> list[Job]:
    return [
        Job(name="reminders", trigger=IntervalTrigger(minutes=1, timezone=ctx.tz), period=period_instant,
            body=post_due_reminders, next_due=next_reminder_due),
    ]
