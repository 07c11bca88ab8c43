"""Moderation: every animator action is a case in the audit log and a post in mod-log."""
from __future__ import annotations

import aiosqlite

from bot.context import Community
from bot.mentions import neutralize
from bot.outbox import post
from storage import moderation as moderation_repo
from storage.members import Member


async def record_case(
    tx: aiosqlite.Connection, ctx: Community, actor: Member, action: str, target: Member | None,
    reason: str | None, until: int | None = None,
) -> int:
    """Audit one action (inside the caller's transaction) and post it in the mod-log channel."""
    case_id = await moderation_repo.insert_case(
        tx, ctx.guild_id, actor.id, action, target.id if target else None, reason, ctx.now_ts(), until
    )
    loc = ctx.locale
    text = ctx.t(loc, "moderation.log_line", case_id=case_id, actor=neutralize(actor.handle), action=action,
                 target=neutralize(target.handle) if target else "—",
                 reason=neutralize(reason) if reason else "—",
                 at=ctx.i18n.datetime(loc, ctx.now()))
    await post(tx, ctx, ctx.config.channels.mod_log, "mod-log", text)
    return case_id
