"""SQL functions the statements call, registered on every connection (Database.connect)."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

import aiosqlite


@lru_cache(maxsize=1)
def _by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


@lru_cache(maxsize=8192)
def _zone_hour(tz: str, minute: int) -> int | None:
    try:
        zone = ZoneInfo(tz)
    except Exception:  # not an IANA name (ValueError, ZoneInfoNotFoundError, a folder name...)
        name = _by_folded_name().get(tz.casefold())  # or in another case: PostgreSQL's AT TIME ZONE reads it
        if name is None:
            return None  # unknown
        zone = ZoneInfo(name)
    return datetime.fromtimestamp(minute * 60, zone).hour


def local_hour(tz: str | None, ts: int | None) -> int | None:
    """`local_hour(tz, ts)`: the hour on the wall clock of zone tz at unix time ts, NULL for an
    unknown zone. Routing checks quiet hours with it: a lookup costs a cached call, where a table of
    every zone's hour would have to be rebuilt in each statement that reads it."""
    if not isinstance(tz, str) or not isinstance(ts, int):
        return None
    return _zone_hour(tz, ts // 60)


async def register(conn: aiosqlite.Connection) -> None:
    await conn.create_function("local_hour", 2, local_hour, deterministic=True)
