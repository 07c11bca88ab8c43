"""Gatherings, information sessions and volunteer shifts: the community's calendar.

Choices documented here because the contract leaves them open:
- an event row is one occurrence; a recurring event writes its next occurrence when the latest one
  starts, so each occurrence has its own sign-ups and `event cancel` cancels one occurrence (with
  `series` true, the whole series stops);
- members join with `event join` or the button; on Discord each occurrence is also a Scheduled Event
  (bot/services/event_mirror.py), whose "Interested" is not a sign-up, as the post and the entry say;
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

from datetime import timedelta

import aiosqlite

from bot.clock import from_epoch, to_epoch
from bot.context import Community
from bot.errors import conflict, invalid
from bot.mentions import neutralize
from bot.outbox import post, send_dm
from bot.services import event_mirror
from bot.services import network_shared as net
from bot.services.event_cards import (  # noqa: F401
    EventView,
    _load,
    describe,
    event_zone,
    join_components,
    start_words,
    view_of,
    when_words,
)
from bot.services.event_input import (  # noqa: F401
    EDITABLE,
    KIND_WORDS,
    KINDS,
    MAX_DESCRIPTION,
    MAX_PLACE,
    MAX_TITLE,
    read_capacity,
    read_end,
    read_kind,
    read_languages,
    read_skills,
    read_slots,
    read_start,
    text_option,
)
from bot.services.event_outreach import (  # noqa: F401
    _announce,
    _reminders_already_past,
    invite_newcomer,
    invite_waiting,
    jobs,
    participation,
    upcoming_lines,
)
from bot.services.event_posts import event_changed
from bot.services.members import member_locale, resolve_member
from bot.services.moderation import record_case
from bot.services.network_events import home_of, load_open
from storage import events as events_repo
from storage.events import Event
from storage.members import Member

LIST_LIMIT = 1000  # what `event list` pages through (20 a page): every coming occurrence, nothing cut


async def list_events(ctx: Community, limit: int = LIST_LIMIT) -> list[EventView]:
    events = await events_repo.coming(ctx.db.reader, ctx.guild_id, ctx.now_ts(), limit=limit)
    return [await view_of(ctx.db.reader, e) for e in events]


async def show_event(ctx: Community, event_id: int) -> EventView:
    """A local event, or one another community opened to the network (bot/services/network_events.py)."""
    return await view_of(ctx.db.reader, await load_open(ctx.db.reader, ctx, event_id))


async def create_event(ctx: Community, author: Member, options: dict) -> EventView:
    """Write the first occurrence, post it (a call for volunteers for a shift) and invite who waits."""
    title = text_option(options.get("title"), "title", MAX_TITLE, required=True)
    description = text_option(options.get("description"), "description", MAX_DESCRIPTION)
    place = text_option(options.get("place"), "place", MAX_PLACE)
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
        await event_mirror.sync(tx, ctx, event)
        await invite_waiting(tx, ctx, event)
        await record_case(tx, ctx, author, "event-new", None, f"#{event_id} {title[:80]}")
        return await view_of(tx, event)


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
            fields["title"] = text_option(changes["title"], "title", MAX_TITLE, required=True)
        if "description" in changes:
            fields["description"] = text_option(changes["description"], "description", MAX_DESCRIPTION)
        if "place" in changes:
            fields["place"] = text_option(changes["place"], "place", MAX_PLACE)
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
            coming = await events_repo.signup_count(tx, event_id)
            if fields["capacity"] is not None and int(fields["capacity"]) < coming:  # nobody loses their place
                raise conflict("events.detail.capacity_taken", count=coming)
        if "languages" in changes:
            fields["languages"] = read_languages(changes["languages"])
        if "skills" in changes:
            fields["skills"] = read_skills(ctx, changes["skills"])
        if "network" in changes:
            fields["network"] = int(bool(changes["network"]))
        if "slots" in changes:
            slots = read_slots(changes["slots"])
            kept = dict(slots)
            for slot in await events_repo.slots(tx, event_id):  # never drop a volunteer's slot from under them
                if slot.taken and kept.get(slot.name, 0) < slot.taken:
                    raise conflict("events.detail.slot_taken", slot=neutralize(slot.name), count=slot.taken)
            await events_repo.set_slots(tx, event_id, slots)
        await events_repo.update_fields(tx, event_id, **fields)
        updated = await _load(tx, ctx, event_id)
        await event_mirror.sync(tx, ctx, updated)
        view = await view_of(tx, updated)
        moved = updated.start_at != event.start_at or updated.end_at != event.end_at or updated.place != event.place
        if moved:
            await _tell_participants(tx, ctx, view, "events.changed")
        await record_case(tx, ctx, author, "event-edit", None, f"#{event_id} {', '.join(sorted(changes))}")
        await event_changed(tx, ctx, event_id)
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
        cancelled = await _load(tx, ctx, event_id)
        await event_mirror.sync(tx, ctx, cancelled)
        view = await view_of(tx, cancelled)
        await _tell_participants(tx, ctx, view, "events.cancelled_dm")
        await post(tx, ctx, ctx.config.channels.general, "event-update",
                   ctx.t(ctx.locale, "events.cancelled_post", id=event_id, title=neutralize(event.title),
                         when=when_words(ctx, ctx.locale, event)))
        await record_case(tx, ctx, author, "event-cancel", None, f"#{event_id} {event.title[:80]}")
        await event_changed(tx, ctx, event_id)
        return view


async def record_attendance(ctx: Community, author: Member, event_id: int, refs: list[str]) -> int:
    if not refs:
        raise invalid("common.detail.missing_option", option="members")
    async with ctx.db.transaction() as tx:
        await _load(tx, ctx, event_id)
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
        place = net.by_guild_key(ctx, member.guild_id) or ctx  # a participant from elsewhere: their place
        loc = member_locale(place, member)
        text = ctx.t(loc, key, id=view.event.id, title=neutralize(view.event.title),
                     when=when_words(ctx, loc, view.event),
                     place=neutralize(view.event.place) or ctx.t(loc, "events.no_place"))
        await send_dm(tx, place, member, "event-update", text)


def open_to_join(ctx: Community, event: Event) -> bool:
    """Scheduled and not over: only then may anyone sign up (or be invited to)."""
    return event.status == "scheduled" and event.end_at > ctx.now_ts()


async def join_event(ctx: Community, member: Member, event_id: int, slot: str | None) -> tuple[EventView, str]:
    async with ctx.db.transaction() as tx:
        event = await load_open(tx, ctx, event_id)
        if not open_to_join(ctx, event):
            raise conflict("events.detail.over", id=event_id)
        if await events_repo.signed_up_as(tx, event_id, member.platform_id, member.id):  # from another place
            raise conflict("events.detail.already_joined", id=event_id)
        view = await view_of(tx, event)
        current = await events_repo.signup_of(tx, event_id, member.id)
        chosen = ""
        if view.slots:
            chosen = _choose_slot(view, slot, current[0] if current and current[1] else None)
        elif slot and slot.strip():  # a slot named for an event that has none: say so, sign nobody up
            raise invalid("events.detail.no_slots", id=event_id)
        elif current and current[1]:
            raise conflict("events.detail.already_joined", id=event_id)
        elif view.free is not None and view.free <= 0:
            raise conflict("events.detail.full", id=event_id)
        await events_repo.add_signup(tx, event_id, member.id, chosen, ctx.now_ts())
        await event_changed(tx, home_of(ctx, event), event_id)  # places left, as the post (its community's) shows
        return await view_of(tx, event), chosen


def _choose_slot(view: EventView, slot: str | None, current: str | None) -> str:
    """The slot asked for (by name, case, accents and a plural aside: « Caisses » is « caisse ») or, if none,
    the first with free places."""
    from bot.commands.options import choice_key

    free = [s for s in view.slots if s.taken < s.places or s.name == current]
    if slot:
        wanted = [s for s in view.slots if s.name == slot.strip()] or \
            [s for s in view.slots if choice_key(s.name) == choice_key(slot)]
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
        event = await load_open(tx, ctx, event_id)
        current = await events_repo.signup_of(tx, event_id, member.id)
        if current is None or not current[1]:
            raise conflict("events.detail.not_joined", id=event_id)
        if event.start_at <= ctx.now_ts():
            raise conflict("events.detail.started", id=event_id)
        await events_repo.remove_signup(tx, event_id, member.id)
        await event_changed(tx, home_of(ctx, event), event_id)
        return event
