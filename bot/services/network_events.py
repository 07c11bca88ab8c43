"""One programme for the network (issue 22): the events communities open to the network (`event new
network:true`) are listed with `event list network:true` and shown, joined and left from any community
of the network like local ones (the sign-up is the member's own membership, one per person; reminders
come through the member's own community, the time in the event's zone, named when it is not theirs).
Editing, cancelling and attendance stay with the event's own animators."""
from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from bot.context import Community
from bot.errors import not_found
from bot.services import network_shared as net
from bot.services.event_cards import EventView, view_of
from storage import events as events_repo
from storage import network_events as network_repo
from storage.events import Event

LIST_LIMIT = 1000  # `event list network:true` pages through them all, as the local list does


async def load_open(conn: aiosqlite.Connection, ctx: Community, event_id: int) -> Event:
    """A local event, or one another community of the network opened to it."""
    event = await events_repo.by_id(conn, ctx.guild_id, event_id)
    if event is None:
        event = await network_repo.network_event(conn, [c.guild_id for c in net.others(ctx)], event_id)
    if event is None:
        raise not_found("events.detail.unknown", id=event_id)
    return event


def home_of(ctx: Community, event: Event) -> Community:
    """The community an event belongs to (its own calendar and words)."""
    return net.by_guild_key(ctx, event.guild_id) or ctx


@dataclass(frozen=True)
class NetworkEvent:
    view: EventView
    community: str
    community_name: str


async def list_network_events(ctx: Community, limit: int = LIST_LIMIT) -> list[NetworkEvent]:
    """The coming events every other community opened to the network, soonest first."""
    conn = ctx.db.reader
    others = {c.guild_id: c for c in net.others(ctx)}
    found = await network_repo.coming_network_events(conn, list(others), ctx.now_ts(), limit)
    return [NetworkEvent(await view_of(conn, e), net.community_id(others[e.guild_id]),
                         net.community_name(others[e.guild_id])) for e in found]
