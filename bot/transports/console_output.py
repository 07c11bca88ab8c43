"""The console's output side: the lines the simulated server prints (deliveries, edits, replies).

Split from bot/transports/console.py (the simulated server that turns input events into Engine
calls); `ConsoleServer` inherits these methods and gives them `emit` and `engine`.
"""
from __future__ import annotations

import base64
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.commands.hints import TEXT, render_hints
from bot.commands.registry import Reply
from bot.context import Community
from bot.mentions import MENTION_TOKEN
from bot.outbox import DMClosed, Outgoing, PermanentDeliveryError
from storage import console_server

if TYPE_CHECKING:
    from bot.app import Engine

THREAD_FIELDS = ("thread", "name", "archived", "locked", "resolved")


class ConsoleOutput:
    """Printing what the outbox delivers and what a command answers, one JSON object a line."""

    emit: Callable[[dict[str, Any]], None]
    engine: Engine | None

    def at(self, ctx: Community | None = None) -> str:
        assert self.engine is not None
        ctx = ctx or self.engine.ctx
        return ctx.now().astimezone(ctx.tz).isoformat()

    def out(self, obj: dict[str, Any], ctx: Community | None = None) -> None:
        """One output line; about one community of a network, it names it (`community`)."""
        head = {"type": obj.pop("type"), "at": self.at(ctx)}
        if ctx is not None and ctx.network.declared:
            head["community"] = ctx.id
        self.emit({**head, **obj})

    def community_of(self, guild_id: str) -> Community:
        """The community a message belongs to (its outbox row's key)."""
        assert self.engine is not None
        return self.engine.ctx.network.by_guild(guild_id) or self.engine.ctx

    # Transport -------------------------------------------------------------------------------

    async def deliver(self, message: Outgoing) -> str | None:
        """Print the message; its id for a later edit is `m<outbox id>` (shown as `message` when editable)."""
        assert self.engine is not None
        payload = message.payload
        ctx = self.community_of(message.guild_id)
        if message.op == "role":
            key = "added" if payload.get("action") == "add" else "removed"
            self.out({"type": "role", "user": message.target_id, key: payload.get("role")}, ctx)
            return None
        if message.op == "timeout":
            self.out({"type": "timeout", "user": message.target_id, "until": payload.get("until")}, ctx)
            return None
        if message.op == "thread":
            self._thread_changed(message, ctx)
            return None
        text = render_hints(render_mentions(payload.get("text", "")), TEXT)
        if message.op == "edit":
            self._edited(message, text, ctx)
            return None
        extra: dict[str, Any] = {}
        if payload.get("editable"):
            extra["message"] = f"m{message.id}"
        if payload.get("components"):
            extra["components"] = payload["components"]
        if payload.get("attachments"):
            extra["attachments"] = console_attachments(payload["attachments"])
        if message.target_kind == "dm":
            if await console_server.dms_closed(ctx.db.reader, ctx.guild_id, message.target_id):
                raise DMClosed(message.target_id)
            self.out({"type": "dm", "kind": message.kind, "user": message.target_id, "text": text, **extra}, ctx)
        elif message.target_kind == "channel":
            if payload.get("thread") or payload.get("create_thread"):
                extra["thread"] = payload.get("thread") or payload.get("create_thread")
            if payload.get("thread_name") and payload.get("create_thread"):
                extra["thread_name"] = payload["thread_name"]
            self.out({"type": "post", "kind": message.kind, "channel": message.target_id, "text": text,
                      "mentions": list(payload.get("mentions", [])), **extra}, ctx)
        else:
            raise PermanentDeliveryError(f"unknown target {message.target}")
        return f"m{message.id}"

    def _edited(self, message: Outgoing, text: str, ctx: Community) -> None:
        """An `edit` line: the message id its original carried, where it is, its new text and buttons."""
        payload = message.payload
        obj: dict[str, Any] = {"type": "edit", "message": payload.get("message_ref") or payload.get("message"),
                               "kind": message.kind}
        if message.target_kind == "dm":
            obj["user"] = message.target_id
        else:
            obj["channel"] = message.target_id
            if payload.get("thread"):
                obj["thread"] = payload["thread"]
        obj["text"] = text
        obj["components"] = list(payload.get("components") or [])
        self.out(obj, ctx)

    def _thread_changed(self, message: Outgoing, ctx: Community) -> None:
        """A `thread` line: a thread the bot opened was renamed or archived (extra intents shown as given)."""
        payload = message.payload
        self.out({"type": "thread", "channel": message.target_id,
                  **{k: v for k, v in payload.items() if k in THREAD_FIELDS}}, ctx)
    def print_reply(self, user: str, reply: Reply, ctx: Community | None = None) -> None:
        obj: dict[str, Any] = {"type": "reply", "user": user, "ok": reply.ok}
        if not reply.ok:
            obj["error"] = reply.error
        obj["text"] = render_hints(reply.text, TEXT)
        obj["data"] = reply.data
        if reply.components:
            obj["components"] = [c.as_dict() for c in reply.components]
        if reply.attachments:
            obj["attachments"] = console_attachments([a.as_dict() for a in reply.attachments])
        self.out(obj, ctx)
        if reply.attachments and self.engine is not None:  # shown: the temporary file goes
            self.engine.ctx.files.discard_attachments([a.as_dict() for a in reply.attachments])



def console_attachments(attachments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the console shows of attachments: the file's content itself (`content_base64`), as a
    platform uploads it, never a path: the temporary file is removed once the line is written."""
    shown = []
    for attachment in attachments:
        item = {k: v for k, v in attachment.items() if k != "path"}
        path = attachment.get("path")
        if path:
            try:
                with open(path, "rb") as handle:
                    item["content_base64"] = base64.b64encode(handle.read()).decode("ascii")
            except OSError:
                pass  # gone (an erasure): the message says what it is, without the file
        shown.append(item)
    return shown


def render_mentions(text: str) -> str:
    """`<@alice>` → `@alice`: on the console a platform id is the handle."""
    return MENTION_TOKEN.sub(lambda m: "@" + m.group(1), text)

