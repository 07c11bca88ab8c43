"""How an event reads: its card, its time span, its join button or slot select."""
from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from bot.clock import from_epoch
from bot.context import Community
from bot.errors import not_found
from bot.mentions import neutralize
from bot.outbox import Component
from storage import events as events_repo
from storage.events import Event, Signup, Slot


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


async def view_of(conn: aiosqlite.Connection, event: Event) -> EventView:
    return EventView(event, await events_repo.slots(conn, event.id), await events_repo.participants(conn, event.id))


async def _load(conn: aiosqlite.Connection, ctx: Community, event_id: int) -> Event:
    event = await events_repo.by_id(conn, ctx.guild_id, event_id)
    if event is None:
        raise not_found("events.detail.unknown", id=event_id)
    return event


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
        slot_text = ", ".join(ctx.t(locale, "events.slot_free", slot=neutralize(s.name),
                                    free=max(0, s.places - s.taken), places=s.places,
                                    count=max(0, s.places - s.taken)) for s in view.slots)
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
