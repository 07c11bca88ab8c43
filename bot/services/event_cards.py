"""How an event reads: its card, its time span, its join button or slot select."""
from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import aiosqlite

from bot.clock import from_epoch
from bot.context import Community
from bot.errors import not_found
from bot.mentions import neutralize
from bot.outbox import Component
from bot.services import network_shared as net
from bot.zone_names import city_name, elided
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


def event_zone(ctx: Community, event: Event) -> ZoneInfo:
    """The time zone an event is read in: its own community's (another community's open event keeps its
    calendar, as its local members read it)."""
    home = net.by_guild_key(ctx, event.guild_id) if event.guild_id != ctx.guild_id else None
    return home.tz if home is not None else ctx.tz


def zone_words(ctx: Community, locale: str, zone: ZoneInfo) -> str:
    """« heure de Montréal »: the zone's city in the reader's language (bot/zone_names.py: a French table,
    else the tz name's last part), for times not in the reader's zone."""
    city = city_name(locale, zone.key)
    return ctx.t(locale, "events.zone_elided" if elided(locale, city) else "events.zone", zone=city, tz=zone.key)


def when_words(ctx: Community, locale: str, event: Event) -> str:
    """The event's span in its community's zone; named after a comma when it is not the caller's community's."""
    zone = event_zone(ctx, event)
    start, end = from_epoch(event.start_at), from_epoch(event.end_at)
    same_day = start.astimezone(zone).date() == end.astimezone(zone).date()
    if same_day:  # « mardi 22 décembre, de 18 h 30 à 20 h » / "Tue 22 Dec, 6:30 PM – 8:00 PM"
        span = ctx.t(locale, "events.span_day", date=ctx.i18n.date(locale, start, zone),
                     start=ctx.i18n.time(locale, start, zone), end=ctx.i18n.time(locale, end, zone))
    else:
        span = ctx.t(locale, "events.span", start=ctx.i18n.datetime(locale, start, zone),
                     end=ctx.i18n.datetime(locale, end, zone))
    # "…, heure de Montréal", not "(…)": the span often stands inside parentheses already (« vous venez à « … »
    # (samedi 5 décembre, de 14 h à 16 h, heure de Montréal) »), never « (… (heure de Montréal)) ».
    return span if zone.key == ctx.tz.key else f"{span}, {zone_words(ctx, locale, zone)}"


def start_words(ctx: Community, locale: str, event: Event) -> str:
    """An event's start as a list line says it, in its community's zone (named when not the caller's)."""
    zone = event_zone(ctx, event)
    text = ctx.i18n.datetime(locale, from_epoch(event.start_at), zone)
    return text if zone.key == ctx.tz.key else f"{text} ({zone_words(ctx, locale, zone)})"


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
    # Who may come, at home (its post, its card); elsewhere `event show` says « Proposé au réseau par … ».
    if event.network and event.guild_id == ctx.guild_id and net.is_network(ctx):
        lines.append(ctx.t(locale, "events.network_line", network=neutralize(net.network_name(ctx))))
    if view.slots:
        slot_text = ", ".join(ctx.t(locale, "events.slot_free", slot=neutralize(s.name),
                                    free=s.places - s.taken, places=s.places, count=s.places - s.taken)
                              if s.places > s.taken else  # « caisse (complet) », not « 0 place libre sur 1 »
                              ctx.t(locale, "events.slot_full", slot=neutralize(s.name)) for s in view.slots)
        lines.append(ctx.t(locale, "events.slots_line", slots=slot_text))
    elif view.free is not None:
        lines.append(ctx.t(locale, "events.full_line") if view.free == 0 else
                     ctx.t(locale, "events.free_line", count=view.free))
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
    # Full: greyed out (the post is edited again when a place frees up)
    return [Component(f"event:join:{view.event.id}", ctx.t(locale, "events.join_button"), disabled=view.free == 0)]
