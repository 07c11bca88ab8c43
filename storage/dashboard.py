"""Dashboard sign-in: the signing secret, one-time links and sessions (migration 0170)."""
from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.jobs import get_setting, set_setting

SECRET_KEY = "dashboard.secret"


@dataclass(frozen=True)
class Session:
    guild_id: str
    member_id: int
    locale: str
    created_at: int
    expires_at: int
    network: bool = False  # a network animator's: every community of the network (migration 0270)


async def secret(conn: aiosqlite.Connection, guild_id: str) -> str | None:
    return await get_setting(conn, guild_id, SECRET_KEY)


async def set_secret(conn: aiosqlite.Connection, guild_id: str, value: str) -> None:
    await set_setting(conn, guild_id, SECRET_KEY, value)


async def record_link(
    conn: aiosqlite.Connection, guild_id: str, member_id: int, nonce: str, issued_at: int, expires_at: int,
    network: bool = False,
) -> None:
    await conn.execute(
        "INSERT INTO dashboard_link (nonce, guild_id, member_id, issued_at, expires_at, network) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (nonce, guild_id, member_id, issued_at, expires_at, int(network)),
    )


async def link_state(conn: aiosqlite.Connection, guild_id: str, nonce: str) -> tuple[int, int | None] | None:
    """(member id, used_at) of an issued link, None if no such link was issued here."""
    async with conn.execute(
        "SELECT member_id, used_at FROM dashboard_link WHERE guild_id = ? AND nonce = ?", (guild_id, nonce)
    ) as cur:
        row = await cur.fetchone()
    return (int(row[0]), row[1]) if row else None


async def link_is_network(conn: aiosqlite.Connection, guild_id: str, nonce: str) -> bool:
    """Whether the link was given to a network animator (its session sees every community)."""
    async with conn.execute(
        "SELECT network FROM dashboard_link WHERE guild_id = ? AND nonce = ?", (guild_id, nonce)
    ) as cur:
        row = await cur.fetchone()
    return bool(row and row[0])


async def use_link(conn: aiosqlite.Connection, guild_id: str, nonce: str, now: int) -> bool:
    """Mark the link used; False if it was already (the conditional UPDATE settles two visits at once)."""
    cur = await conn.execute(
        "UPDATE dashboard_link SET used_at = ? WHERE guild_id = ? AND nonce = ? AND used_at IS NULL AND expires_at > ?",
        (now, guild_id, nonce, now),
    )
    return cur.rowcount == 1


async def open_session(
    conn: aiosqlite.Connection, token_hash: str, guild_id: str, member_id: int, locale: str, now: int,
    expires_at: int, network: bool = False,
) -> None:
    await conn.execute(
        "INSERT INTO dashboard_session (token_hash, guild_id, member_id, locale, created_at, expires_at, network) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (token_hash, guild_id, member_id, locale, now, expires_at, int(network)),
    )


async def session(conn: aiosqlite.Connection, token_hash: str) -> Session | None:
    async with conn.execute(
        "SELECT guild_id, member_id, locale, created_at, expires_at, network FROM dashboard_session "
        "WHERE token_hash = ?",
        (token_hash,),
    ) as cur:
        row = await cur.fetchone()
    return Session(str(row[0]), int(row[1]), str(row[2]), int(row[3]), int(row[4]), bool(row[5])) if row else None


async def close_session(conn: aiosqlite.Connection, token_hash: str) -> None:
    await conn.execute("DELETE FROM dashboard_session WHERE token_hash = ?", (token_hash,))


async def purge_expired(conn: aiosqlite.Connection, guild_id: str, now: int) -> int:
    """Links and sessions past their expiry: nothing can use them any more."""
    links = await conn.execute("DELETE FROM dashboard_link WHERE guild_id = ? AND expires_at <= ?", (guild_id, now))
    sessions = await conn.execute(
        "DELETE FROM dashboard_session WHERE guild_id = ? AND expires_at <= ?", (guild_id, now)
    )
    return links.rowcount + sessions.rowcount
