"""Help requests (filled in by the requests issue)."""
from __future__ import annotations

import aiosqlite

from bot.context import Community
from storage.members import Member


async def on_member_left(tx: aiosqlite.Connection, ctx: Community, member: Member) -> None:
    """Cancel the leaver's open requests and reopen the ones they had claimed (in the caller's tx)."""
    return None
