"""Gatherings, information sessions and volunteer shifts: the community's calendar.

Choices documented here because the contract leaves them open:
- an event row is one occurrence; a recurring event writes its next occurrence when the latest one
  starts, so each occurrence has its own sign-ups and `event cancel` cancels one occurrence (with
  `series` true, the whole series stops);
- members join with `event join` or the button; on Discord, marking "interested" on the mirrored
  Scheduled Event is not a sign-up (the bot only counts `event join`);
- participants get a reminder the day before and an hour before; one that would fall in their
  quiet hours is held until the quiet hours end, and the hour-before one is dropped if that is
  after the start;
- a shift's call for volunteers is posted when it is created and again `events.late_call_days`
  before it if places are still free; each call DMs a few members offering the shift's skills (or
  its slots' names when they are skills), fairest first with the same fatigue window and cap as help
  requests, never twice the same member for one shift;
- newcomers are invited (once) to the next information session in their language after accepting
  the charter; members reaching `events.deepening_after_days` are invited (once) to the next
  deepening session. A session created later invites those still waiting.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from bot.clock import from_epoch, to_epoch
from bot.context import Community
from bot.errors import conflict, denied, invalid, not_found
from bot.mentions import neutralize
from bot.outbox import Component, post, send_dm
from bot.scheduler import Job, period_instant
from bot.services.members import member_locale, resolve_member
from bot.services.moderation import record_case
from bot.services.skills import canonical
from bot.when import WhenError, next_after, parse_duration, parse_when
from storage import events as events_repo
from storage import members as members_repo
from storage.events import Event, Signup, Slot
from storage.members import Member

KINDS = ("session", "deepening", "gathering", "shift")
MAX_TITLE = 100
MAX_DESCRIPTION = 1000
MAX_PLACE = 200
MAX_SLOTS = 10
MAX_SLOT_PLACES = 100
MAX_CAPACITY = 10000
MAX_LENGTH = timedelta(days=7)
DAY = 86400
HOUR = 3600
SLOT_ITEM = re.compile(r"^(?:(\d{1,3})\s+(.+)|(.+?)\s*[:=]\s*(\d{1,3})|(.+?)\s+(\d{1,3}))$")
LANGUAGE_NAMES = {
    "fr": "fr", "francais": "fr", "french": "fr", "en": "en", "anglais": "en", "english": "en",
    "es": "es", "espagnol": "es", "spanish": "es", "de": "de", "allemand": "de", "german": "de",
    "it": "it", "italien": "it", "italian": "it", "ar": "ar", "arabe": "ar", "arabic": "ar",
    "pt": "pt", "portugais": "pt", "portuguese": "pt",
}
EDITABLE = ("title", "when", "end", "place", "kind", "languages", "capacity", "slots", "repeat", "description",
            "network", "skills")


@dataclass(frozen=True)
class EventView:
    """One occurrence as members see it: its slots, who comes and what is still free."""

    event: Event
    slots: list[Slot]
    participants: list[Signup]

    @property
    def joined(self) -> list[Signup]:
        return [p for p in self.participants if p.joined]

    @property
    def free(self) -> int | None:
        """Free places (slots for a shift, else the capacity); None when unlimited."""
        if self.slots:
            return sum(max(0, s.places - s.taken) for s in self.slots)
        if self.event.capacity is None:
            return None
        return max(0, self.event.capacity - len(self.joined))


# Reading what animators type ------------------------------------------------------------------

def _text(value: str | None, option: str, limit: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise invalid("common.detail.missing_option", option=option)
    if len(text) > limit:
        raise invalid("common.detail.too_long", option=option, max=limit)
    return text


def _when_error(err: WhenError, option: str, text: str) -> Exception:
    return invalid("events.detail.bad_when", option=option, when=neutralize(text[:60]), reason=err.reason)


def read_start(ctx: Community, when: str, repeat: str | None) -> tuple[datetime, str | None]:
    """(first start, crontab rule or None) from `when` in words or ISO, and an optional `repeat` rule."""
    try:
        parsed = parse_when(when, ctx.now(), ctx.tz)
    except WhenError as err:
        raise _when_error(err, "when", when) from None
    rule = parsed.rule
    if repeat:
        try:
            repeated = parse_when(repeat, parsed.first - timedelta(minutes=1), ctx.tz)
        except WhenError as err:
            raise _when_error(err, "repeat", repeat) from None
        if not repeated.recurring:
            raise invalid("events.detail.repeat_not_rule", repeat=neutralize(repeat[:60]))
        rule = repeated.rule
    return parsed.first, rule


def read_end(ctx: Community, start: datetime, end: str | None) -> datetime:
    """The end: a duration ("2h", "90m"), a time or a date-time after the start; two hours by default."""
    if not end:
        return start + timedelta(minutes=ctx.config.events.default_minutes)
    try:
        finish = start + parse_duration(end)
    except WhenError:
        try:
            finish = parse_when(end, start, ctx.tz).first
        except WhenError as err:
            raise _when_error(err, "end", end) from None
    if not start < finish <= start + MAX_LENGTH:
        raise invalid("events.detail.bad_end", end=neutralize(end[:60]))
    return finish


def read_slots(text: str | None) -> list[tuple[str, int]]:
    """"accueil:2, caisse:1" (or "2 accueil", "accueil 2") → [(name, places)], names unique."""
    if not text or not text.strip():
        return []
    slots: list[tuple[str, int]] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        found = SLOT_ITEM.match(item)
        if not found:
            raise invalid("events.detail.bad_slot", slot=neutralize(item[:40]))
        number = found.group(1) or found.group(4) or found.group(6)
        name = " ".join((found.group(2) or found.group(3) or found.group(5)).lower().split())
        places = int(number)
        if not name or len(name) > 40 or not 1 <= places <= MAX_SLOT_PLACES:
            raise invalid("events.detail.bad_slot", slot=neutralize(item[:40]))
        if any(existing == name for existing, _ in slots):
            raise invalid("events.detail.duplicate_slot", slot=neutralize(name))
        slots.append((name, places))
    if len(slots) > MAX_SLOTS:
        raise invalid("events.detail.too_many_slots", max=MAX_SLOTS)
    return slots


def read_languages(items: list[str] | None) -> str:
    codes: list[str] = []
    for item in items or []:
        key = canonical_language(item)
        if key is None:
            raise invalid("events.detail.bad_language", language=neutralize(item[:20]))
        if key not in codes:
            codes.append(key)
    return ",".join(codes)


def canonical_language(text: str) -> str | None:
    from bot.services.skills import skill_key

    key = skill_key(text)
    if key in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[key]
    return key if re.fullmatch(r"[a-z]{2,3}", key) else None


def read_skills(ctx: Community, items: list[str] | None) -> str:
    return ",".join(dict.fromkeys(canonical(ctx, item)[0] for item in items or []))


def read_kind(kind: str | None, slots: list[tuple[str, int]]) -> str:
    if not kind:
        return "shift" if slots else "gathering"
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise invalid("events.detail.bad_kind", kind=neutralize(kind[:20]))
    return kind


def read_capacity(value: int | None) -> int | None:
    if value is None:
        return None
    if not 1 <= value <= MAX_CAPACITY:
        raise invalid("events.detail.bad_capacity", max=MAX_CAPACITY)
    return value


# Words ------------------------------------------------------------------------------------------

def when_words(ctx: Community, locale: str, event: Event) -> str:
    start, end = from_epoch(event.start_at), from_epoch(event.end_at)
    text = ctx.i18n.datetime(locale, start)
    same_day = start.astimezone(ctx.tz).date() == end.astimezone(ctx.tz).date()
    until = ctx.i18n.time(locale, end) if same_day else ctx.i18n.datetime(locale, end)
    return ctx.t(locale, "events.span", start=text, end=until)


def describe(ctx: Community, locale: str, view: EventView) -> str:
    """The event's card: kind, title, when, where, languages, places, description."""
    event = view.event
    lines = [ctx.t(locale, f"events.kind_line.{event.kind}", id=event.id, title=neutralize(event.title)),
             ctx.t(locale, "events.when_line", when=when_words(ctx, locale, event))]
    if event.repeat_rule:
        lines.append(ctx.t(locale, "events.repeat_line", rule=ctx.i18n.rule(locale, event.repeat_rule)))
    if event.place:
        lines.append(ctx.t(locale, "events.place_line", place=neutralize(event.place)))
    if event.language_list:
        lines.append(ctx.t(locale, "events.languages_line", languages=", ".join(event.language_list)))
    if view.slots:
        slot_text = ", ".join(ctx.t(locale, "events.slot_free", slot=neutralize(s.name), free=max(0, s.places - s.taken),
                                    places=s.places) for s in view.slots)
        lines.append(ctx.t(locale, "events.slots_line", slots=slot_text))
    elif view.free is not None:
        lines.append(ctx.t(locale, "events.free_line", count=view.free))
    if event.description:
        lines.append(neutralize(event.description))
    return "\n".join(lines)


def join_components(ctx: Community, locale: str, view: EventView) -> list[Component]:
    if view.slots:
        options = tuple({"value": s.name, "label": f"{s.name} ({max(0, s.places - s.taken)}/{s.places})"}
                        for s in view.slots if s.taken < s.places)
        if not options:
            return []
        return [Component(f"event:join:{view.event.id}", ctx.t(locale, "events.join_select"), options=options)]
    return [Component(f"event:join:{view.event.id}", ctx.t(locale, "events.join_button"))]


# Reading the calendar -----------------------------------------------------------------------------

async def view_of(conn: aiosqlite.Connection, event: Event) -> EventView:
    return EventView(event, await events_repo.slots(conn, event.id), await events_repo.participants(conn, event.id))


async def _load(conn: aiosqlite.Connection, ctx: Community, event_id: int) -> Event:
    event = await events_repo.by_id(conn, ctx.guild_id, event_id)
    if event is None:
        raise not_found("events.detail.unknown", id=event_id)
    return event


async def list_events(ctx: Community, limit: int = 25) -> list[EventView]:
    events = await events_repo.coming(ctx.db.reader, ctx.guild_id, ctx.now_ts(), limit=limit)
    return [await view_of(ctx.db.reader, e) for e in events]


async def show_event(ctx: Community, event_id: int) -> EventView:
    return await view_of(ctx.db.reader, await _load(ctx.db.reader, ctx, event_id))


# Animators: create, edit, cancel, attendance -----------------------------------------------------

async def create_event(ctx: Community, author: Member, options: dict) -> EventView:
    """Write the first occurrence, post it (a call for volunteers for a shift) and invite who waits."""
    title = _text(options.get("title"), "title", MAX_TITLE, required=True)
    description = _text(options.get("description"), "description", MAX_DESCRIPTION)
    place = _text(options.get("place"), "place", MAX_PLACE)
    start, rule = read_start(ctx, options["when"], options.get("repeat"))
    end = read_end(ctx, start, options.get("end"))
    slots = read_slots(options.get("slots"))
    kind = read_kind(options.get("kind"), slots)
    capacity = read_capacity(options.get("capacity"))
    languages = read_languages(options.get("languages"))
    skills = read_skills(ctx, options.get("skills"))
    now = ctx.now_ts()
    async with ctx.db.transaction() as tx:
        event_id = await events_repo.insert(
            tx, guild_id=ctx.guild_id, repeat_rule=rule, title=title, description=description, kind=kind,
            start_at=to_epoch(start), end_at=to_epoch(end), place=place, languages=languages, skills=skills,
            capacity=capacity, network=int(bool(options.get("network"))), created_by=author.id, created_at=now,
            **_reminders_already_past(to_epoch(start), now, ctx),
        )
        if rule:
            await events_repo.update_fields(tx, event_id, series_id=event_id)
        await events_repo.set_slots(tx, event_id, slots)
        event = await _load(tx, ctx, event_id)
        await _announce(tx, ctx, event, late=False)
        await invite_waiting(tx, ctx, event)
        await record_case(tx, ctx, author, "event-new", None, f"#{event_id} {title[:80]}")
        return await view_of(tx, event)


def _reminders_already_past(start: int, now: int, ctx: Community) -> dict[str, int]:
    """An event created less than a day (an hour) ahead gets no day-before (hour-before) reminder."""
    late = ctx.config.events.late_call_days * DAY
    return {"day_reminded": int(start - DAY <= now), "hour_reminded": int(start - HOUR <= now),
            "late_called": int(start - late <= now)}


async def edit_event(ctx: Community, author: Member, event_id: int, options: dict) -> EventView:
    """Change an occurrence; its participants are told what changed (when or where)."""
    changes = {k: v for k, v in options.items() if k in EDITABLE and v is not None}
    if not changes:
        raise invalid("events.detail.nothing_to_change")
    async with ctx.db.transaction() as tx:
        event = await _load(tx, ctx, event_id)
        if event.status != "scheduled":
            raise conflict("events.detail.cancelled", id=event_id)
        fields: dict[str, object] = {}
        if "title" in changes:
            fields["title"] = _text(changes["title"], "title", MAX_TITLE, required=True)
        if "description" in changes:
            fields["description"] = _text(changes["description"], "description", MAX_DESCRIPTION)
        if "place" in changes:
            fields["place"] = _text(changes["place"], "place", MAX_PLACE)
        start = from_epoch(event.start_at)
        if "when" in changes or "repeat" in changes:
            when = changes.get("when") or start.astimezone(ctx.tz).isoformat()
            start, rule = read_start(ctx, when, changes.get("repeat"))
            fields["start_at"] = to_epoch(start)
            fields.update(_reminders_already_past(to_epoch(start), ctx.now_ts(), ctx))
            if rule != event.repeat_rule and (rule or "repeat" in changes):
                fields["repeat_rule"] = rule
                fields["series_id"] = event.series_id or event.id if rule else event.series_id
        if "end" in changes or "when" in changes:
            duration = timedelta(seconds=event.end_at - event.start_at)
            fields["end_at"] = to_epoch(read_end(ctx, start, changes.get("end")) if "end" in changes
                                        else start + duration)
        if "kind" in changes:
            fields["kind"] = read_kind(changes["kind"], [])
        if "capacity" in changes:
            fields["capacity"] = read_capacity(changes["capacity"])
        if "languages" in changes:
            fields["languages"] = read_languages(changes["languages"])
        if "skills" in changes:
            fields["skills"] = read_skills(ctx, changes["skills"])
        if "network" in changes:
            fields["network"] = int(bool(changes["network"]))
        if "slots" in changes:
            slots = read_slots(changes["slots"])
            await events_repo.set_slots(tx, event_id, slots)
        await events_repo.update_fields(tx, event_id, **fields)
        updated = await _load(tx, ctx, event_id)
        view = await view_of(tx, updated)
        moved = updated.start_at != event.start_at or updated.end_at != event.end_at or updated.place != event.place
        if moved:
            await _tell_participants(tx, ctx, view, "events.changed")
        await record_case(tx, ctx, author, "event-edit", None, f"#{event_id} {', '.join(sorted(changes))}")
        return view


async def cancel_event(ctx: Community, author: Member, event_id: int, series: bool = False) -> EventView:
    async with ctx.db.transaction() as tx:
        event = await _load(tx, ctx, event_id)
        if event.status != "scheduled":
            raise conflict("events.detail.cancelled", id=event_id)
        await events_repo.update_fields(tx, event_id, status="cancelled")
        if series and event.series_id is not None:
            for row in await events_repo.series_rows(tx, event.series_id):
                await events_repo.update_fields(tx, row.id, series_ended=1)
        view = await view_of(tx, await _load(tx, ctx, event_id))
        await _tell_participants(tx, ctx, view, "events.cancelled_dm")
        await post(tx, ctx, ctx.config.channels.general, "event-update",
                   ctx.t(ctx.locale, "events.cancelled_post", id=event_id, title=neutralize(event.title),
                         when=when_words(ctx, ctx.locale, event)))
        await record_case(tx, ctx, author, "event-cancel", None, f"#{event_id} {event.title[:80]}")
        return view


async def record_attendance(ctx: Community, author: Member, event_id: int, refs: list[str]) -> int:
    if not refs:
        raise invalid("common.detail.missing_option", option="members")
    async with ctx.db.transaction() as tx:
        event = await _load(tx, ctx, event_id)
        if event.start_at > ctx.now_ts():
            raise conflict("events.detail.not_started", id=event_id)
        members = [await resolve_member(tx, ctx, ref) for ref in refs]
        ids = list(dict.fromkeys(m.id for m in members))
        await events_repo.mark_attended(tx, event_id, ids, ctx.now_ts())
        await record_case(tx, ctx, author, "event-attended", None, f"#{event_id} {len(ids)}")
    return len(ids)


async def _tell_participants(tx: aiosqlite.Connection, ctx: Community, view: EventView, key: str) -> None:
    for signup in view.joined:
        member = signup.member
        if not member.present or member.erased:
            continue
        loc = member_locale(ctx, member)
        text = ctx.t(loc, key, id=view.event.id, title=neutralize(view.event.title),
                     when=when_words(ctx, loc, view.event),
                     place=neutralize(view.event.place) or ctx.t(loc, "events.no_place"))
        await send_dm(tx, ctx, member, "event-update", text)


# Members: join and leave ---------------------------------------------------------------------

async def join_event(ctx: Community, member: Member, event_id: int, slot: str | None) -> tuple[EventView, str]:
    async with ctx.db.transaction() as tx:
        event = await _load(tx, ctx, event_id)
        if event.status != "scheduled" or event.end_at <= ctx.now_ts():
            raise conflict("events.detail.over", id=event_id)
        view = await view_of(tx, event)
        current = await events_repo.signup_of(tx, event_id, member.id)
        chosen = ""
        if view.slots:
            chosen = _choose_slot(view, slot, current[0] if current and current[1] else None)
        elif current and current[1]:
            raise conflict("events.detail.already_joined", id=event_id)
        elif view.free is not None and view.free <= 0:
            raise conflict("events.detail.full", id=event_id)
        await events_repo.add_signup(tx, event_id, member.id, chosen, ctx.now_ts())
        return await view_of(tx, event), chosen


def _choose_slot(view: EventView, slot: str | None, current: str | None) -> str:
    """The slot asked for (by name, case and accents aside) or, if none, the first with free places."""
    from bot.services.skills import skill_key

    free = [s for s in view.slots if s.taken < s.places or s.name == current]
    if slot:
        wanted = [s for s in view.slots if skill_key(s.name) == skill_key(slot)]
        if not wanted:
            raise invalid("events.detail.unknown_slot", slot=neutralize(slot[:40]),
                          slots=", ".join(s.name for s in view.slots))
        if wanted[0].name == current:
            raise conflict("events.detail.already_joined", id=view.event.id)
        if wanted[0] not in free:
            raise conflict("events.detail.slot_full", slot=wanted[0].name)
        return wanted[0].name
    if current is not None:
        raise conflict("events.detail.already_joined", id=view.event.id)
    open_slots = [s for s in free if s.taken < s.places]
    if not open_slots:
        raise conflict("events.detail.full", id=view.event.id)
    return open_slots[0].name


async def leave_event(ctx: Community, member: Member, event_id: int) -> Event:
    async with ctx.db.transaction() as tx:
        event = await _load(tx, ctx, event_id)
        current = await events_repo.signup_of(tx, event_id, member.id)
        if current is None or not current[1]:
            raise conflict("events.detail.not_joined", id=event_id)
        if event.start_at <= ctx.now_ts():
            raise conflict("events.detail.started", id=event_id)
        await events_repo.remove_signup(tx, event_id, member.id)
        return event


def check_animator_or_self(is_animator: bool) -> None:
    if not is_animator:
        raise denied("common.detail.animator_only")


# Posts, calls for volunteers and invitations -----------------------------------------------------

async def _announce(tx: aiosqlite.Connection, ctx: Community, event: Event, *, late: bool) -> None:
    """The event's post (a call for volunteers for a shift) and, for a shift, targeted DMs."""
    view = await view_of(tx, event)
    loc = ctx.locale
    if event.kind == "shift":
        if view.free == 0:
            return
        key = "events.call_late" if late else "events.call"
        text = ctx.t(loc, key, free=view.free or 0, count=view.free or 0) + "\n" + describe(ctx, loc, view)
        await post(tx, ctx, ctx.config.channels.general, "shift-call", text,
                   components=join_components(ctx, loc, view), paced=late,
                   key=f"shift-call:{event.id}:{'late' if late else 'open'}")
        await _call_volunteers(tx, ctx, view, paced=late)
    else:
        await post(tx, ctx, ctx.config.channels.general, "event", describe(ctx, loc, view),
                   components=join_components(ctx, loc, view), paced=late, key=f"event:{event.id}:posted")


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
                      paced=paced, not_before=quiet_until(ctx, member, from_epoch(now)))


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
                  paced=paced, not_before=quiet_until(ctx, member, ctx.now()))
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
    for member in await events_repo.members_to_invite(tx, ctx.guild_id, event.kind, *window):
        await invite(tx, ctx, member, event.kind, paced=True)


def quiet_until(ctx: Community, member: Member, at: datetime) -> datetime | None:
    """When the member's quiet hours (if `at` falls in them) end; None when they are reachable."""
    start, end = member.quiet_start, member.quiet_end
    if start is None or end is None or start == end:
        return None
    tz = ctx.tz
    if member.timezone:
        from zoneinfo import ZoneInfo

        try:
            tz = ZoneInfo(member.timezone)
        except (KeyError, ValueError):
            tz = ctx.tz
    local = at.astimezone(tz)
    hour = local.hour
    quiet = start <= hour < end if start < end else (hour >= start or hour < end)
    if not quiet:
        return None
    wake = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if wake <= local:
        wake += timedelta(days=1)
    return wake


# The `events` job: reminders, late calls, next occurrences, deepening invitations -----------------

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
    view = await view_of(tx, event)
    start = from_epoch(event.start_at)
    for signup in view.joined:
        member = signup.member
        if not member.present or member.erased:
            continue
        hold = quiet_until(ctx, member, ctx.now())
        if hold is not None and which == "hour" and hold >= start:
            continue  # they were told the day before; never wake them for it
        loc = member_locale(ctx, member)
        slot = ctx.t(loc, "events.your_slot", slot=neutralize(signup.slot)) if signup.slot else ""
        text = ctx.t(loc, f"events.reminder_{which}", title=neutralize(event.title),
                     when=when_words(ctx, loc, event), place=neutralize(event.place) or ctx.t(loc, "events.no_place"),
                     slot=slot, id=event.id)
        await send_dm(tx, ctx, member, "event-reminder", text, paced=True, not_before=hold,
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
    members = await events_repo.members_to_invite(tx, ctx.guild_id, "deepening", since, until)
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


async def present_member(conn: aiosqlite.Connection, member_id: int) -> Member | None:
    member = await members_repo.by_id(conn, member_id)
    return member if member is not None and member.present and not member.erased else None


def jobs(ctx: Community) -> list[Job]:
    from apscheduler.triggers.interval import IntervalTrigger

    from bot.scheduler import cron, period_day

    hour, minute = ctx.config.schedule.daily_time.split(":")
    return [
        Job(name="events", trigger=IntervalTrigger(minutes=1, timezone=ctx.tz), period=period_instant,
            body=run_events, next_due=next_events_due),
        Job(name="deepening-invites", trigger=cron(ctx.config.community.timezone, hour=int(hour),
                                                   minute=int(minute)),
            period=period_day, body=invite_deepening),
    ]
