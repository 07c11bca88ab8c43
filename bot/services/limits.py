"""Per-member rate limits on what can spam others (requests, thanks, nominations)."""
from __future__ import annotations

import aiosqlite

from bot.context import Community
from bot.errors import rate_limited
from storage import limits as limits_repo


async def take(
    tx: aiosqlite.Connection, ctx: Community, member_id: int, action: str, limit: int, window_seconds: int
) -> None:
    """Count one `action` for the member, or raise `rate_limited` (inside the caller's transaction)."""
    now = ctx.now_ts()
    if await limits_repo.count_since(tx, member_id, action, now - window_seconds) >= limit:
        raise rate_limited("limits.too_many", count=limit, hours=window_seconds // 3600)
    await limits_repo.record(tx, member_id, action, now)
