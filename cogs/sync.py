"""Slash commands are registered with Discord only when they changed.

discord.py's maintainers warn that syncing on every start gets bots rate-limited: the payload the
tree would send is hashed and compared with the hash of the last successful sync (kept in the
database); `--sync` forces it. Switching between guild and global registration removes the other
scope's registrations, so no stale command lingers in a server's menu.
"""
from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any

import discord

from storage import platform_refs

if TYPE_CHECKING:
    from cogs.bot import EntraideBot

log = logging.getLogger(__name__)

HASH_REF = "commands-hash:{scope}"
SCOPE_REF = "commands-scope"
SCOPES = ("guild", "global")
CLEARED = "cleared"


class SyncFailed(Exception):
    """A sync Discord refused, as one sentence."""


async def command_payload(bot: EntraideBot, guild: discord.abc.Snowflake | None) -> list[dict[str, Any]]:
    """What `tree.sync` would send for this scope, translations included."""
    tree = bot.tree
    commands = tree._get_all_commands(guild=guild)  # the same list tree.sync sends
    translator = tree.translator
    if translator:
        return [await command.get_translated_payload(tree, translator) for command in commands]
    return [command.to_dict(tree) for command in commands]


def payload_hash(payload: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


async def _stored(bot: EntraideBot, scope: str) -> str | None:
    return await platform_refs.get_ref(bot.engine.ctx.db.reader, bot.guild_id, HASH_REF.format(scope=scope))


async def _store(bot: EntraideBot, scope: str, value: str) -> None:
    async with bot.engine.ctx.db.transaction() as tx:
        await platform_refs.set_ref(tx, bot.guild_id, HASH_REF.format(scope=scope), value)


async def _clear(bot: EntraideBot, scope: str) -> None:
    """Remove every command registered in `scope` (the stale ones after a switch)."""
    assert bot.application_id is not None
    if scope == "guild":
        await bot.http.bulk_upsert_guild_commands(bot.application_id, int(bot.guild_id), [])
    else:
        await bot.http.bulk_upsert_global_commands(bot.application_id, [])
    await _store(bot, scope, CLEARED)
    log.info("removed the commands registered %s", "in the server" if scope == "guild" else "globally")


async def last_scope(bot: EntraideBot) -> str:
    """Where the commands were last registered (the server, unless told otherwise once)."""
    return await platform_refs.get_ref(bot.engine.ctx.db.reader, bot.guild_id, SCOPE_REF) or "guild"


async def sync_commands(bot: EntraideBot, scope: str, *, force: bool = False) -> int | None:
    """Register the commands in `scope` (guild or global) when they changed, or when forced.

    Returns how many were synced, None when nothing had to be sent. The other scope's registrations,
    if the last sync went there, are removed first.
    """
    assert scope in SCOPES, scope
    guild = discord.Object(int(bot.guild_id)) if scope == "guild" else None
    if guild is not None:
        bot.tree.copy_global_to(guild=guild)
    try:
        other = "global" if scope == "guild" else "guild"
        if await _stored(bot, other) not in (None, CLEARED):
            await _clear(bot, other)
        digest = payload_hash(await command_payload(bot, guild))
        if not force and await _stored(bot, scope) == digest:
            log.info("slash commands unchanged since the last sync: not syncing (use --sync to force)")
            return None
        synced = await bot.tree.sync(guild=guild)
    except (discord.HTTPException, discord.app_commands.AppCommandError) as exc:
        raise SyncFailed(str(exc)) from exc
    await _store(bot, scope, digest)
    async with bot.engine.ctx.db.transaction() as tx:
        await platform_refs.set_ref(tx, bot.guild_id, SCOPE_REF, scope)
    if scope == "guild":
        log.info("synced %d commands to the server %s", len(synced), bot.guild_id)
    else:
        log.info("synced %d commands globally (Discord may take up to an hour to show them)", len(synced))
    return len(synced)
