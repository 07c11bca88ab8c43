"""Who someone is in the community: their member row, their roles, whether they animate."""
from __future__ import annotations

import aiosqlite

from bot.context import Community
from bot.errors import not_found
from bot.mentions import clean_display_name
from storage import members as members_repo
from storage.members import Member


def is_animator(ctx: Community, roles: frozenset[str], manage_guild: bool = False) -> bool:
    """One check for every animator command and button: a configured role or server management."""
    return manage_guild or bool(roles & set(ctx.config.roles.animators))


async def ensure_member(
    tx: aiosqlite.Connection, ctx: Community, platform_id: str, handle: str, locale: str | None = None
) -> Member:
    """The member row for a platform user, created on first sight (they are in the server)."""
    member = await members_repo.by_platform_id(tx, ctx.guild_id, platform_id)
    if member is None:
        handle = clean_display_name(handle, platform_id)  # echoed in public posts: never U+202E nor NUL
        return await members_repo.insert(tx, ctx.guild_id, platform_id, handle, locale, ctx.now_ts())
    return member


async def resolve_member(tx: aiosqlite.Connection, ctx: Community, ref: str) -> Member:
    """A `member` option (platform id or handle) → the member, else `not_found`."""
    member = await members_repo.by_reference(tx, ctx.guild_id, ref)
    if member is None or member.erased:
        raise not_found("common.detail.unknown_member", member=ref[:60])
    return member


def member_locale(ctx: Community, member: Member | None) -> str:
    return ctx.i18n.locale_or_default(member.locale if member else None)
