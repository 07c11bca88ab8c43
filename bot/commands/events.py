"""Events' text face: `event new|edit|cancel|attended` (animators), `event list|show|join|leave`, the join button."""
from __future__ import annotations

from dataclasses import replace

from bot.clock import from_epoch
from bot.commands.pages import page_reply, paged
from bot.commands.registry import Invocation, Option, Reply, button, command, ok
from bot.errors import not_found
from bot.mentions import neutralize
from bot.services import events, network_events, network_shared
from bot.services.event_input import MAX_CAPACITY
from bot.services.events import MAX_DESCRIPTION, MAX_PLACE, MAX_TITLE, EventView
from bot.when_words import describe_each, typed_date

ID = Option("id", "int", required=True)
LIST_PAGE = 20
FIELDS = (
    Option("when", max_len=100),
    Option("end", max_len=100),
    Option("place", max_len=MAX_PLACE),
    Option("kind", "choice", choices=events.KINDS, words=events.KIND_WORDS, refusal="events.detail.bad_kind",
           choice_names="events.kind"),
    Option("languages", "csv", max_len=100),
    Option("capacity", "int", min_value=1, max_value=MAX_CAPACITY),
    Option("slots", max_len=300),
    Option("repeat", max_len=100),
    Option("description", max_len=MAX_DESCRIPTION),
    Option("network", "bool"),
    Option("skills", "csv", max_len=300),
)


def _start_iso(inv: Invocation, view: EventView) -> str:
    """ISO start with its offset, in the event's community's zone (another community's event keeps its own)."""
    return from_epoch(view.event.start_at).astimezone(events.event_zone(inv.ctx, view.event)).isoformat()


def _summary(inv: Invocation, view: EventView) -> dict:
    data = {"event_id": view.event.id, "title": view.event.title, "start": _start_iso(inv, view),
            "kind": view.event.kind, "free": view.free, "participants": len(view.joined)}
    if view.slots:
        data["slots"] = [{"slot": s.name, "places": s.places, "taken": s.taken} for s in view.slots]
    return data


@command("event new", Option("title", required=True, max_len=MAX_TITLE),
         *(replace(o, required=o.name == "when") for o in FIELDS),
         animator=True)
async def event_new(inv: Invocation) -> Reply:
    view = await events.create_event(inv.ctx, inv.member, inv.options)
    text = inv.t("events.created", id=view.event.id) + "\n" + events.describe(inv.ctx, inv.locale, view)
    if not inv.options.get("repeat") and _weekly(view.event.repeat_rule):
        text += "\n" + _weekly_note(inv, view)
    return ok(text, {"event_id": view.event.id, "start": _start_iso(inv, view)})


def _weekly(rule: str | None) -> bool:
    """A rule on days of the week (`0 14 * * 6`, `0 18 * * 1,4`): what `when="samedi 14h"` means."""
    fields = (rule or "").split()
    return len(fields) == 5 and fields[2:4] == ["*", "*"] and fields[4] != "*" and not any(
        mark in fields[4] for mark in "#L")


def _weekly_note(inv: Invocation, view: EventView) -> str:
    """`when="samedi 14h"` repeats every week by design (a weekday without a date is a rule); who meant
    one Saturday is told so, with the date to type instead (read back as this first occurrence)."""
    zone = events.event_zone(inv.ctx, view.event)
    once = typed_date(inv.ctx.i18n.locale_or_default(inv.locale), from_epoch(view.event.start_at), zone)
    rule = describe_each(inv.ctx.i18n, inv.locale, view.event.repeat_rule or "")
    return inv.t("events.weekly_note", id=view.event.id, once=once, rule=rule)


@command("event edit", ID, Option("title", max_len=MAX_TITLE), *FIELDS, animator=True)
async def event_edit(inv: Invocation) -> Reply:
    options = {k: v for k, v in inv.options.items() if k != "id"}
    view = await events.edit_event(inv.ctx, inv.member, inv.options["id"], options)
    text = inv.t("events.edited", id=view.event.id) + "\n" + events.describe(inv.ctx, inv.locale, view)
    return ok(text, {"event_id": view.event.id, "start": _start_iso(inv, view)})


@command("event cancel", ID, Option("series", "bool"), animator=True)
async def event_cancel(inv: Invocation) -> Reply:
    view = await events.cancel_event(inv.ctx, inv.member, inv.options["id"], bool(inv.options.get("series")))
    key = "events.cancelled_series" if inv.options.get("series") and view.event.repeat_rule else "events.cancelled"
    if key == "events.cancelled" and not view.joined:  # French `one` covers 0: « la personne inscrite » of nobody
        key = "events.cancelled_nobody"
    return ok(inv.t(key, id=view.event.id, title=neutralize(view.event.title), count=len(view.joined)),
              {"event_id": view.event.id})


@command("event attended", ID, Option("members", "csv", required=True, max_len=2000), animator=True)
async def event_attended(inv: Invocation) -> Reply:
    count = await events.record_attendance(inv.ctx, inv.member, inv.options["id"],
                                           [m.lstrip("@").strip() for m in inv.options["members"]])
    return ok(inv.t("events.attended", id=inv.options["id"], count=count),
              {"event_id": inv.options["id"], "attended": count})


def _line(inv: Invocation, v: EventView) -> str:
    return inv.t("events.list_line", id=v.event.id, title=neutralize(v.event.title),
                 when=events.start_words(inv.ctx, inv.locale, v.event),
                 kind=inv.t(f"events.kind.{v.event.kind}"), places=_places(inv, v))


@command("event list", Option("network", "bool"))
async def event_list(inv: Invocation) -> Reply:
    views = await events.list_events(inv.ctx)
    data = {"events": [_summary(inv, v) for v in views]}
    if inv.options.get("network"):
        return await _network_list(inv, views, data)
    if not views:
        return ok(inv.t("events.list_empty"), data)
    lines = [_line(inv, v) for v in views]
    page = paged(lines, inv.page, LIST_PAGE)
    return page_reply(inv, "event list", page,
                      inv.t("events.list_title", count=len(views)) + "\n" + "\n".join(page.items), data)


async def _network_list(inv: Invocation, views: list[EventView], data: dict) -> Reply:
    """The caller's community's events, then those the other communities opened to the network."""
    shared = await network_events.list_network_events(inv.ctx)
    for item in data["events"]:
        item["community"] = network_shared.community_id(inv.ctx)
    data["events"] += [{**_summary(inv, n.view), "community": n.community} for n in shared]
    if not views and not shared:
        return ok(inv.t("events.list_empty"), data)
    lines = [_line(inv, v) for v in views]
    if views:
        lines.insert(0, inv.t("events.list_title", count=len(views)))
    if shared:
        lines.append(inv.t("network_shared.events_title", count=len(shared)))
        lines += [_line(inv, n.view) + " · " + neutralize(n.community_name) for n in shared]
    return ok("\n".join(lines), data)


def _places(inv: Invocation, view: EventView) -> str:
    if view.free is None:
        return inv.t("events.places_open", count=len(view.joined))
    return inv.t("events.places_free", count=view.free)


@command("event show", ID)
async def event_show(inv: Invocation) -> Reply:
    view = await events.show_event(inv.ctx, inv.options["id"])
    names = [neutralize(p.member.handle) + (f" ({neutralize(p.slot)})" if p.slot else "")
             for p in view.joined if not p.member.erased]
    joinable = events.open_to_join(inv.ctx, view.event)  # over or cancelled: nobody is invited to join
    text = events.describe(inv.ctx, inv.locale, view) + "\n" + (
        inv.t("events.who_comes", count=len(names), names=inv.ctx.i18n.join(inv.locale, names)) if names
        else inv.t("events.nobody_yet" if joinable else "events.nobody_came"))
    data = _summary(inv, view)
    data["participants"] = [p.member.platform_id for p in view.joined if not p.member.erased]
    zone = events.event_zone(inv.ctx, view.event)
    data["end"] = from_epoch(view.event.end_at).astimezone(zone).isoformat()
    if zone.key != inv.ctx.tz.key:
        data["timezone"] = zone.key
    data["status"] = view.event.status
    home = network_events.home_of(inv.ctx, view.event)
    if home is not inv.ctx:  # another community's event, opened to the network: say whose it is
        data["community"] = network_shared.community_id(home)
        text += "\n" + inv.t("network_shared.event_from", community=neutralize(network_shared.community_name(home)))
    components = events.join_components(inv.ctx, inv.locale, view) if joinable else []
    return ok(text, data, components=components)


async def _join(inv: Invocation, event_id: int, slot: str | None) -> Reply:
    view, chosen = await events.join_event(inv.ctx, inv.member, event_id, slot)
    when = events.when_words(inv.ctx, inv.locale, view.event)
    if chosen:
        text = inv.t("events.joined_slot", id=event_id, title=neutralize(view.event.title), when=when,
                     slot=neutralize(chosen))
    else:
        text = inv.t("events.joined", id=event_id, title=neutralize(view.event.title), when=when)
    return ok(text, {"event_id": event_id, "slot": chosen or None})


@command("event join", ID, Option("slot", max_len=40))
async def event_join(inv: Invocation) -> Reply:
    return await _join(inv, inv.options["id"], inv.options.get("slot"))


@button("event:join:")
async def event_join_button(inv: Invocation, argument: str, values: list[str]) -> Reply:
    if not (argument.isascii() and argument.isdigit()) or len(argument) > 12:
        raise not_found("events.detail.unknown", id=argument[:12])
    return await _join(inv, int(argument), values[0] if values else None)


@command("event leave", ID)
async def event_leave(inv: Invocation) -> Reply:
    event = await events.leave_event(inv.ctx, inv.member, inv.options["id"])
    return ok(inv.t("events.left", id=event.id, title=neutralize(event.title)), {"event_id": event.id})
