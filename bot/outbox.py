"""The outbox: services write messages in their transaction; the dispatcher delivers them.

Targets are `dm:<platform_id>`, `channel:<name>` (optionally with a thread in the payload),
`member:<platform_id>` for role changes and timeouts, and `event:<event id>` for an event's entry in
the platform's calendar (`event` op). A command's own messages go at once
(`paced` false); bulk sends from jobs flow through a token bucket on the injected clock.
The types live in bot/outbox_types.py and delivery in bot/outbox_dispatch.py; both are
re-exported here, the one module services and transports import.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from bot.clock import to_epoch
from bot.context import Community
from bot.mentions import mention
from bot.outbox_dispatch import TOKEN_EPSILON, Dispatcher, TokenBucket, fault_point
from bot.outbox_types import (
    Attachment,
    Component,
    DMClosed,
    Outgoing,
    PermanentDeliveryError,
    TransientDeliveryError,
    Transport,
)
from bot.quiet_hours import member_zone, quiet_until
from storage import outbox as outbox_repo
from storage.members import Member

__all__ = [
    "TOKEN_EPSILON", "Attachment", "Component", "DMClosed", "Dispatcher", "Outgoing", "PermanentDeliveryError",
    "TokenBucket", "Transport", "TransientDeliveryError", "apply_timeout", "change_role", "fault_point", "post",
    "edit", "message_under", "send_dm", "update_thread",
]


def _payload(
    text: str, components: Sequence[Component], mentions: Sequence[str],
    attachments: Sequence[Attachment], extra: dict[str, Any],
) -> dict[str, Any]:
    payload: dict[str, Any] = {"text": text, "mentions": list(mentions)}
    if components:
        payload["components"] = [c.as_dict() for c in components]
    if attachments:
        payload["attachments"] = [a.as_dict() for a in attachments]
    payload.update({k: v for k, v in extra.items() if v is not None})
    return payload


async def send_dm(
    tx: aiosqlite.Connection, ctx: Community, member: Member, kind: str, text: str, *,
    components: Sequence[Component] = (), attachments: Sequence[Attachment] = (),
    fallback_channel: str | None = None, fallback_thread: str | None = None,
    paced: bool = False, key: str | None = None, not_before: datetime | None = None,
    private_text: str | None = None, about: Sequence[int | None] = (), urgent: bool = False,
    editable: bool = False,
) -> int | None:
    """A direct message; a member known to refuse DMs is mentioned in the fallback channel instead.

    `private_text`: for a DM that must never go public (a data export), what the fallback post says
    instead; its attachments and components are then dropped.
    `about`: ids of the other members whose name or words the text carries (an erasure finds the
    message by them); members it mentions are linked on their own. Unless `urgent`, a DM waits
    for the end of the member's quiet hours (bot/quiet_hours.py). `editable`: a later `edit` will
    change it (the console shows its `message` id).
    """
    fallback: dict[str, Any] = {"channel": fallback_channel or ctx.config.channels.general,
                                "thread": fallback_thread}
    if private_text is not None:
        fallback["text"] = private_text
        if member.dms_closed:
            text, attachments, components = private_text, (), ()
    if member.dms_closed:
        return await post(
            tx, ctx, fallback["channel"], kind, f"{mention(member.platform_id)} {text}",
            mentions=[member.platform_id], components=components, attachments=attachments,
            thread=fallback_thread, paced=paced, key=key, not_before=not_before,
            extra={"for_user": member.platform_id}, about=about, editable=editable,
        )
    payload = _payload(text, components, [], attachments,
                       {"fallback": fallback, "urgent": urgent or None, "editable": editable or None})
    if not urgent:
        wake = quiet_until(max(not_before or ctx.now(), ctx.now()), member.quiet_start, member.quiet_end,
                           member_zone(member.timezone, ctx.tz))
        not_before = wake or not_before
    return await _enqueue(tx, ctx, kind, "send", f"dm:{member.platform_id}", payload, paced, key, not_before,
                          about)


async def post(
    tx: aiosqlite.Connection, ctx: Community, channel: str, kind: str, text: str, *,
    mentions: Sequence[str] = (), components: Sequence[Component] = (),
    attachments: Sequence[Attachment] = (), thread: str | None = None,
    create_thread: str | None = None, paced: bool = False, key: str | None = None,
    not_before: datetime | None = None, extra: dict[str, Any] | None = None,
    about: Sequence[int | None] = (), editable: bool = False, thread_name: str | None = None,
) -> int | None:
    """A message in a channel (or one of its threads); only `mentions` are really pinged.

    `about`: ids of the members whose name or words the text carries besides those it mentions.
    `create_thread`: the key later posts name the thread by; `thread_name` what members read (default: the key).
    `editable`: a later `edit` will change it."""
    more = dict(extra or {})
    more.update({"thread": thread, "create_thread": create_thread, "editable": editable or None,
                 "thread_name": thread_name if create_thread else None})
    payload = _payload(text, components, mentions, attachments, more)
    outbox_id = await _enqueue(tx, ctx, kind, "send", f"channel:{channel}", payload, paced, key, not_before, about)
    if outbox_id is not None and mentions:
        await outbox_repo.link_mentioned(tx, outbox_id, ctx.guild_id, mentions)
    return outbox_id


async def change_role(
    tx: aiosqlite.Connection, ctx: Community, member: Member, role: str, *, add: bool
) -> int | None:
    payload = {"role": role, "action": "add" if add else "remove"}
    return await _enqueue(tx, ctx, "role", "role", f"member:{member.platform_id}", payload, False, None, None)


async def apply_timeout(
    tx: aiosqlite.Connection, ctx: Community, member: Member, until: datetime, reason: str
) -> int | None:
    payload = {"until": until.isoformat(), "reason": reason}
    return await _enqueue(
        tx, ctx, "timeout", "timeout", f"member:{member.platform_id}", payload, False, None, None
    )


async def mirror_event(
    tx: aiosqlite.Connection, ctx: Community, event_id: int, revision: int, payload: dict[str, Any]
) -> int | None:
    """One change of an event's entry in the platform's calendar (bot/services/event_mirror.py): the whole
    entry each time, so a retry repeats it and the transport can skip a revision older than one applied."""
    body = {"event_id": event_id, "revision": revision, **payload}
    return await _enqueue(tx, ctx, "event-calendar", "event", f"event:{event_id}", body, False,
                          f"event-mirror:{event_id}:{revision}", None)


async def edit(
    tx: aiosqlite.Connection, ctx: Community, of: int | None, *, text: str | None = None,
    status: str | None = None, components: Sequence[Component] | None = None, key: str | None = None,
    paced: bool = False, about: Sequence[int | None] = (),
) -> int | None:
    """Change a message sent earlier (outbox row `of`), with the guarantees of a send: written in the
    caller's transaction, idempotent under `key`, retried, delivered after the original (it waits
    while the original is pending; a newer edit of the same message makes an older pending one moot).

    `text` replaces the text; `status` is a line shown under the original text instead (a request
    claimed, resolved); `components` replace the buttons (`[]` removes them, None keeps them).
    Nothing is queued when the original is unknown (never written, or purged)."""
    original = await outbox_repo.by_id(tx, of) if of is not None else None
    if original is None or original.op != "send":
        return None
    payload: dict[str, Any] = {"message": f"m{original.id}"}
    if text is not None:
        payload["text"] = text
    if status is not None:
        payload["status"] = status
    if components is not None:
        payload["components"] = [c.as_dict() for c in components]
    return await _enqueue(tx, ctx, original.kind, "edit", original.target, payload, paced, key, None, about,
                          edit_of=original.id)


async def message_under(tx: aiosqlite.Connection, ctx: Community, key: str) -> int | None:
    """The outbox row this community wrote under `key` (the message a later `edit` changes), if kept."""
    return await outbox_repo.id_by_key(tx, ctx.key(key))


async def update_thread(
    tx: aiosqlite.Connection, ctx: Community, channel: str, thread: str, *, after: int | None = None,
    name: str | None = None, archived: bool | None = None, key: str | None = None, **intent: Any,
) -> int | None:
    """Rename or archive a thread the bot opened (`thread`: the key its post's `create_thread` gave).

    `after`: the outbox row of the post that opens it (the change waits for it). `intent`: more for
    transports that know it (e.g. `resolved=True`: a forum post's "resolved" tag); others ignore it."""
    payload: dict[str, Any] = {"thread": thread}
    payload.update({k: v for k, v in {"name": name, "archived": archived, **intent}.items() if v is not None})
    return await _enqueue(tx, ctx, "thread", "thread", f"channel:{channel}", payload, False, key, None,
                          edit_of=after)


async def _enqueue(
    tx: aiosqlite.Connection, ctx: Community, kind: str, op: str, target: str,
    payload: dict[str, Any], paced: bool, key: str | None, not_before: datetime | None,
    about: Sequence[int | None] = (), edit_of: int | None = None,
) -> int | None:
    now = ctx.now_ts()
    outbox_id = await outbox_repo.enqueue(
        tx, guild_id=ctx.guild_id, kind=kind, op=op, target=target, payload=payload, paced=paced,
        not_before=to_epoch(not_before) if not_before else now, now=now, key=ctx.key(key) if key else key,
        edit_of=edit_of,
    )
    if outbox_id is not None:
        subjects = [m for m in about if m is not None]
        if subjects:
            await outbox_repo.link_subjects(tx, outbox_id, subjects)
        pinged = outbox_repo.mentioned(payload.get("text", "") + payload.get("status", ""))
        if pinged:
            await outbox_repo.link_mentioned(tx, outbox_id, ctx.guild_id, pinged)
    return outbox_id

