"""Failures the animators should hear about: a role not given, a timeout refused, a post refused (or
its later edit, a thread not renamed or archived), a channel missing, an event not shown in the
server's calendar. Each becomes one mod-log post in plain words (what failed, why, how to fix), once
per cause per day, instead of a line in the host's log that nobody reads.

Closed DMs are not reported (the outbox falls back to a mention); a failure to post in mod-log itself
can only go to the log.
"""
from __future__ import annotations

import logging

from bot.context import Community
from bot.mentions import neutralize
from bot.outbox import Outgoing, PermanentDeliveryError, post
from storage import members as members_repo

log = logging.getLogger(__name__)

# (what failed, why) → the fix, as a catalogue key (setup.fix.* are the same sentences `setup check` shows)
FIXES = {
    ("role", "missing_permissions"): "failures.fix.role_permissions",
    ("role", "unknown_role"): "setup.fix.create_role",
    ("timeout", "missing_permissions"): "failures.fix.timeout_permissions",
    ("post", "missing_access"): "setup.fix.allow_view",
    ("post", "missing_permissions"): "failures.fix.post_permissions",
    ("post", "unknown_channel"): "setup.fix.create_channel",
    ("event", "missing_permissions"): "failures.fix.event_permissions",
    ("edit", "missing_access"): "setup.fix.allow_view",
    ("edit", "missing_permissions"): "failures.fix.post_permissions",
    ("edit", "unknown_channel"): "setup.fix.create_channel",
    ("thread", "missing_access"): "setup.fix.allow_view",
    ("thread", "missing_permissions"): "failures.fix.thread_permissions",
}
CAUSES = ("missing_permissions", "missing_access", "unknown_channel", "unknown_role", "member_gone")


def _what(message: Outgoing) -> str | None:
    if message.op == "role":
        return "role"
    if message.op == "timeout":
        return "timeout"
    if message.op == "event":
        return "event"
    if message.op == "thread":
        return "thread"
    if message.op == "edit":  # a post changed later (a request claimed); a DM's edit: the member's own business
        return "edit" if message.target_kind == "channel" else None
    if message.target_kind == "channel":
        return "post"
    return None  # a DM: the closed-DM fallback already handled it


async def report_delivery_failure(ctx: Community, message: Outgoing, error: PermanentDeliveryError) -> None:
    """One mod-log post per (what, why, where) and day; the same failure again that day stays quiet."""
    what = _what(message)
    if what is None:
        return
    mod_log = ctx.config.channels.mod_log
    if what in ("post", "edit", "thread") and message.target_id == mod_log:
        log.warning("cannot post in the mod-log channel %r: %s; run `setup check`", mod_log, error)
        return
    cause = error.cause if error.cause in CAUSES else "other"
    payload = message.payload
    loc = ctx.locale
    subject = str(payload.get("role") or "") if what == "role" else \
        message.target_id if what in ("post", "edit", "thread") else ""  # one report a day per channel
    params = {"bot_role": "entraide", **error.params, "name": subject, "role": subject, "channel": subject,
              "thread": str(payload.get("name") or payload.get("thread") or "")}
    params = {key: neutralize(str(value)) for key, value in params.items()}
    who = ""
    if what in ("role", "timeout"):
        member = await members_repo.by_platform_id(ctx.db.reader, ctx.guild_id, message.target_id)
        who = neutralize(member.handle) if member is not None else message.target_id
    action = "remove" if what == "role" and payload.get("action") == "remove" else "add" if what == "role" else ""
    head_key = f"failures.what.{what}{'_' + action if action else ''}"
    head = ctx.t(loc, head_key, member=who, kind=message.kind, **params)
    why = ctx.t(loc, f"failures.why.{cause}", **params)
    fix_key = FIXES.get((what, cause), "failures.fix.member_gone" if cause == "member_gone" else "failures.fix.other")
    fix = ctx.t(loc, fix_key, **params)
    text = ctx.t(loc, "failures.post", what=head, why=why, fix=fix)
    day = ctx.local().date().isoformat()
    key = f"delivery-failure:{what}{action}:{cause}:{subject}:{day}"
    async with ctx.db.transaction() as tx:
        await post(tx, ctx, mod_log, "mod-log", text, key=key)
