"""What the calendar does by itself: posts and calls for volunteers, invitations, reminders, series.

The rules it follows (reminder times, quiet hours, fair calls, who is invited when) are documented
once, in bot/services/events.py.
"""
from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot import quiet_hours
from bot.clock import from_epoch, to_epoch
from bot.context import Community
from bot.cron_rules import next_after
from bot.jobs import Job, period_instant
from bot.mentions import neutralize
from bot.outbox import post, send_dm
from bot.quiet_hours import member_zone
from bot.services import event_mirror
from bot.services.event_cards import EventView, _load, describe, join_components, view_of, when_words
from bot.services.event_input import DAY, HOUR
from bot.services.members import member_locale
from bot.services.network_shared import home_of_member
from storage import events as events_repo
from storage.events import Event
from storage.members import Member


def _reminders_already_past(start: int, now: int, ctx: Community) -> dict[str, int]:
    """An event created less than a day (an hour) ahead gets no day-before (hour-before) reminder."""
    late = ctx.config.events.late_call_days * DAY
    return {"day_reminded": int(start - DAY <= now), "hour_reminded": int(start - HOUR <= now),
            "late_called": int(start - late <= now)}


async def _announce(tx: aiosqlite.Connection, ctx: Community, event: Event, *, late: bool) -> None:
    """The event's post (a call for volunteers for a shift) and, for a shift, targeted DMs."""
    view = await view_of(tx, event)
    loc = ctx.locale
    note = "\n" + ctx.t(loc, "events.mirror.note", id=event.id) if event_mirror.mirrors_events(ctx) else ""
    if event.kind == "shift":
        if view.free == 0:
            return
        key = "events.call_late" if late else "events.call"
        text = ctx.t(loc, key, free=view.free or 0, count=view.free or 0) + "\n" + describe(ctx, loc, view) + note
        await post(tx, ctx, ctx.config.channels.general, "shift-call", text,
                   components=join_components(ctx, loc, view), paced=late,
                   key=f"shift-call:{event.id}:{'late' if late else 'open'}", editable=True)
        await _call_volunteers(tx, ctx, view, paced=late)
    else:
        await post(tx, ctx, ctx.config.channels.general, "event", describe(ctx, loc, view) + note,
                   components=join_components(ctx, loc, view), paced=late, key=f"event:{event.id}:posted",
                   editable=True)


def _call_skills(ctx: Community, view: EventView) -> list[str]:
    from bot.services.skills import skill_key

    keys = list(view.event.skill_list)
    keys += [skill_key(s.name) for s in view.slots if skill_key(s.name) not in keys]
    return keys


async def _call_volunteers(tx: aiosqlite.Connection, ctx: Community, view: EventView, *, paced: bool) -> None:
    cfg = ctx.config
    now = ctx.now_ts()
    free = view.free or 0
    limit = min(cfg.events.max_call_dms, free * cfg.events.call_dms_per_place)
    candidates = await events_repo.call_candidates(
        tx, ctx.guild_id, view.event.id, _call_skills(ctx, view), now=now,
        fatigue_since=now - cfg.requests.fatigue_window_days * DAY, fatigue_cap=cfg.requests.fatigue_cap,
        limit=limit,
    )
    await events_repo.record_calls(tx, view.event.id, [m.id for m in candidates], now)
    for member in candidates:
        loc = member_locale(ctx, member)
        text = ctx.t(loc, "events.call_dm", name=neutralize(member.handle), title=neutralize(view.event.title),
                     when=when_words(ctx, loc, view.event), id=view.event.id)
        await send_dm(tx, ctx, member, "shift-call", text, components=join_components(ctx, loc, view),
                      paced=paced)


def _speaks(member: Member, event: Event, ctx: Community) -> bool:
    if not event.language_list:
        return True
    spoken = set(member.language_list) | {member_locale(ctx, member)}
    return bool(spoken & set(event.language_list))


async def next_session_for(conn: aiosqlite.Connection, ctx: Community, member: Member, kind: str) -> Event | None:
    """The next session of that kind with room, in a language the member speaks (any language if none)."""
    for event in await events_repo.coming(conn, ctx.guild_id, ctx.now_ts(), kind=kind):
        if event.start_at <= ctx.now_ts():
            continue
        view = await view_of(conn, event)
        if view.free == 0 or any(p.member.id == member.id for p in view.participants):
            continue
        if _speaks(member, event, ctx):
            return event
    return None


async def invite(tx: aiosqlite.Connection, ctx: Community, member: Member, kind: str,
                 paced: bool = False) -> bool:
    """Invite a member (once per kind) to the next session of that kind; False when there is none."""
    if await events_repo.was_invited(tx, member.id, kind):
        return False
    event = await next_session_for(tx, ctx, member, kind)
    if event is None:
        return False
    loc = member_locale(ctx, member)
    view = await view_of(tx, event)
    text = ctx.t(loc, f"events.invite.{kind}", name=neutralize(member.handle)) + "\n" + describe(ctx, loc, view)
    await send_dm(tx, ctx, member, "session-invite", text, components=join_components(ctx, loc, view),
                  paced=paced)
    await events_repo.record_invite(tx, member.id, kind, event.id, ctx.now_ts())
    return True


async def invite_newcomer(tx: aiosqlite.Connection, ctx: Community, member: Member) -> None:
    """Called when a member accepts the charter: the next information session in their language."""
    await invite(tx, ctx, member, "session")


async def invite_waiting(tx: aiosqlite.Connection, ctx: Community, event: Event) -> None:
    """A new session invites the newcomers (or six-month members) who had none to go to."""
    if event.kind not in ("session", "deepening"):
        return
    now = ctx.now_ts()
    cfg = ctx.config.events
    if event.kind == "session":
        window = (now - cfg.session_invite_days * DAY, now + 1)
    else:
        window = (now - (cfg.deepening_after_days + cfg.session_invite_days) * DAY,
                  now - cfg.deepening_after_days * DAY + 1)
    for member in await events_repo.members_to_invite(tx, ctx.guild_id, event.kind, *window,
                                                         list(ctx.config.roles.animators)):
        await invite(tx, ctx, member, event.kind, paced=True)


def quiet_until(ctx: Community, member: Member, at: datetime) -> datetime | None:
    """When the member's quiet hours (if `at` falls in them) end; None when they are reachable."""
    return quiet_hours.quiet_until(at, member.quiet_start, member.quiet_end, member_zone(member.timezone, ctx.tz))


def _offsets(ctx: Community) -> tuple[int, int, int]:
    return DAY, HOUR, ctx.config.events.late_call_days * DAY


async def run_events(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime) -> None:
    """Everything due by `fire_time`; each step marks its occurrence so a restart never repeats it."""
    fire = to_epoch(fire_time)
    now = ctx.now_ts()
    day, hour, late = _offsets(ctx)
    for event in await events_repo.needing_work(tx, ctx.guild_id, fire, day, hour, late):
        if not event.day_reminded and event.start_at - day <= fire:
            if event.start_at > now:
                await _remind(tx, ctx, event, "day")
            await events_repo.update_fields(tx, event.id, day_reminded=1)
        if not event.hour_reminded and event.start_at - hour <= fire:
            if event.start_at > now:
                await _remind(tx, ctx, event, "hour")
            await events_repo.update_fields(tx, event.id, hour_reminded=1)
        if event.kind == "shift" and not event.late_called and event.start_at - late <= fire:
            if event.start_at > now:
                await _announce(tx, ctx, event, late=True)
            await events_repo.update_fields(tx, event.id, late_called=1)
        if event.repeat_rule and not event.series_ended and not event.next_written and event.start_at <= fire:
            await _write_next_occurrence(tx, ctx, event)
            await events_repo.update_fields(tx, event.id, next_written=1)


async def _remind(tx: aiosqlite.Connection, ctx: Community, event: Event, which: str) -> None:
    """Each participant's reminder, through their own community (platform, words, quiet hours); the time in the
    event's zone, named when it is not theirs (a network event joined from elsewhere)."""
    view = await view_of(tx, event)
    start = from_epoch(event.start_at)
    for signup in view.joined:
        member = signup.member
        if not member.present or member.erased:
            continue
        home = home_of_member(ctx, member)  # a member of another community (a network event): through theirs
        hold = quiet_until(home, member, ctx.now())
        if hold is not None and which == "hour" and hold >= start:
            continue  # they were told the day before; never wake them for it
        loc = member_locale(home, member)
        slot = home.t(loc, "events.your_slot", slot=neutralize(signup.slot)) if signup.slot else ""
        text = home.t(loc, f"events.reminder_{which}", title=neutralize(event.title),
                      when=when_words(home, loc, event),
                      place=neutralize(event.place) or home.t(loc, "events.no_place"), slot=slot, id=event.id)
        await send_dm(tx, home, member, "event-reminder", text, paced=True, not_before=hold,
                      key=f"event-reminder:{event.id}:{which}:{member.id}")


async def _write_next_occurrence(tx: aiosqlite.Connection, ctx: Community, event: Event) -> None:
    """The series' next occurrence (same length, slots, everything but sign-ups), then its post."""
    assert event.repeat_rule is not None
    following = next_after(event.repeat_rule, ctx.tz, from_epoch(event.start_at))
    if following is None:
        return
    start = to_epoch(following)
    now = ctx.now_ts()
    new_id = await events_repo.insert(
        tx, guild_id=ctx.guild_id, series_id=event.series_id or event.id, repeat_rule=event.repeat_rule,
        title=event.title, description=event.description, kind=event.kind, start_at=start,
        end_at=start + (event.end_at - event.start_at), place=event.place, languages=event.languages,
        skills=event.skills, capacity=event.capacity, network=int(event.network), created_by=event.created_by,
        created_at=now, **_reminders_already_past(start, now, ctx),
    )
    slots = await events_repo.slots(tx, event.id)
    await events_repo.set_slots(tx, new_id, [(s.name, s.places) for s in slots])
    created = await _load(tx, ctx, new_id)
    await _announce(tx, ctx, created, late=False)
    await event_mirror.sync(tx, ctx, created)
    await invite_waiting(tx, ctx, created)


async def next_events_due(ctx: Community, after: datetime) -> datetime | None:
    day, hour, late = _offsets(ctx)
    found = await events_repo.next_work_after(ctx.db.reader, ctx.guild_id, to_epoch(after), day, hour, late)
    return from_epoch(found) if found is not None else None


async def invite_deepening(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime) -> None:
    """Daily: members who reached six months (since accepting the charter) and a deepening session exists."""
    cfg = ctx.config.events
    now = to_epoch(fire_time)
    since = now - (cfg.deepening_after_days + cfg.session_invite_days) * DAY
    until = now - cfg.deepening_after_days * DAY + 1
    members = await events_repo.members_to_invite(tx, ctx.guild_id, "deepening", since, until,
                                                    list(ctx.config.roles.animators))
    for member in members:
        await invite(tx, ctx, member, "deepening", paced=True)


async def upcoming_lines(conn: aiosqlite.Connection, ctx: Community, locale: str, days: int = 7) -> list[str]:
    """The week's events for the weekly digest ("this week: …")."""
    now = ctx.now_ts()
    lines = []
    for event in await events_repo.between(conn, ctx.guild_id, now, now + days * DAY):
        view = await view_of(conn, event)
        lines.append(ctx.t(locale, "events.digest_line", id=event.id, title=neutralize(event.title),
                           when=ctx.i18n.datetime(locale, from_epoch(event.start_at)),
                           count=len(view.joined)))
    return lines


async def participation(ctx: Community, since: int, until: int) -> dict[str, int]:
    return await events_repo.participation(ctx.db.reader, ctx.guild_id, since, until)


def jobs(ctx: Community) -> list[Job]:
    from apscheduler.triggers.interval import IntervalTrigger

    from bot.jobs import cron, period_day

    hour, minute = ctx.config.schedule.daily_time.split(":")
    from bot.services import event_mirror

    return [
        *event_mirror.jobs(ctx),
        Job(name="events", trigger=IntervalTrigger(minutes=1, timezone=ctx.tz), period=period_instant,
            body=run_events, next_due=next_events_due),
        Job(name="deepening-invites", trigger=cron(ctx.config.community.timezone, hour=int(hour),
                                                   minute=int(minute)),
            period=period_day, body=invite_deepening),
    ]
