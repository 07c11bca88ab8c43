"""Which language the bot speaks to each member.

In order: the language they chose (`profile set language`), else the one their client uses (each
Discord interaction carries it; the server's preferred locale at join), else the community's.
"""
from __future__ import annotations

import aiosqlite

from bot.context import Community
from storage import languages as languages_repo
from storage import members as members_repo
from storage.members import Member


def supported(ctx: Community, client_locale: str | None) -> str | None:
    """`en-US` → `en`; None for a language the bot has no words in (the member keeps theirs)."""
    if not client_locale:
        return None
    short = client_locale.split("-")[0].split("_")[0].lower()
    return short if short in ctx.i18n.catalogues else None


async def follow_client(ctx: Community, member: Member, client_locale: str | None) -> Member:
    """A member's interaction says which language their client uses: it becomes theirs unless they chose."""
    wanted = supported(ctx, client_locale)
    if wanted is None or wanted == member.locale:
        return member
    async with ctx.db.transaction() as tx:
        if not await languages_repo.follow_client_locale(tx, member.id, wanted):
            return member
        updated = await members_repo.by_id(tx, member.id)
    return updated or member


async def choose(tx: aiosqlite.Connection, ctx: Community, member_id: int, locale: str) -> None:
    await languages_repo.choose_language(tx, member_id, locale, ctx.now_ts())
