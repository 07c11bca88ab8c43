"""Event posts that live (issue 17): the event's post (or its shift call) is edited when the event
changes, when places are taken or freed, and when it is cancelled (a status line, no join button).

The posts are found by the keys they were written under (bot/services/event_outreach.py).
"""
from __future__ import annotations

import aiosqlite

from bot.context import Community
from bot.outbox import edit, message_under
from bot.services import event_mirror
from bot.services.event_cards import _load, describe, join_components, view_of


def post_keys(event_id: int) -> tuple[str, str, str]:
    """The event's post, its first call for volunteers and its late call."""
    return f"event:{event_id}:posted", f"shift-call:{event_id}:open", f"shift-call:{event_id}:late"


async def event_changed(tx: aiosqlite.Connection, ctx: Community, event_id: int) -> None:
    """Edit the event's posts to show it as it is now (in the caller's transaction)."""
    event = await _load(tx, ctx, event_id)
    view = await view_of(tx, event)
    loc = ctx.locale
    note = "\n" + ctx.t(loc, "events.mirror.note", id=event.id) if event_mirror.mirrors_events(ctx) else ""
    for key in post_keys(event_id):
        original = await message_under(tx, ctx, key)
        if original is None:
            continue
        card = describe(ctx, loc, view) + note  # as event_outreach.py posted it
        if key.startswith("shift-call:"):
            call = "events.call_late" if key.endswith(":late") else "events.call"
            free = view.free or 0
            head = ctx.t(loc, call, free=free, count=free) if free else ctx.t(loc, "events.call_filled")
            card = head + "\n" + card
        if event.status != "scheduled":
            # The card as it is now (an edited place or time stays edited), under it the cancellation.
            await edit(tx, ctx, original, text=card, status=ctx.t(loc, "events.live.cancelled"), components=[])
            continue
        await edit(tx, ctx, original, text=card, components=join_components(ctx, loc, view))
