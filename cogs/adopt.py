"""`entraide adopt`: adopt the members of the community's Discord server from the command line.

It logs in over HTTP only (no gateway), fetches the member list, and runs the same `setup adopt` as
the slash command; the role grants it queues are delivered, paced, by the bot when it runs.
"""
from __future__ import annotations

import sys
from pathlib import Path

import aiohttp
import discord

from bot.app import Engine
from bot.clock import SystemClock
from bot.config import Config
from bot.outbox import Outgoing, TransientDeliveryError
from bot.services import setup
from cogs.server import FetchedServer


class _LaterDelivery:
    """Nothing is sent from the command line: the running bot delivers what adoption queued."""

    async def deliver(self, message: Outgoing) -> None:
        raise TransientDeliveryError("delivered by the running bot")


async def fetch_members(token: str, guild_id: int) -> list[discord.Member]:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    discord.VoiceClient.warn_nacl = False  # no voice here either
    discord.VoiceClient.warn_dave = False
    client = discord.Client(intents=intents)
    try:
        await client.login(token)
        guild = await client.fetch_guild(guild_id)
        return [member async for member in guild.fetch_members(limit=None)]
    finally:
        await client.close()


async def adopt_from_command_line(config: Config, db_path: Path | str, token: str, charter: str,
                                  community: str | None = None) -> int:
    """`community`: in a network, the id of the community whose server is adopted (default: the first);
    only that community's members are written, under its own key."""
    from bot.network_config import chosen_community

    own, _key = chosen_community(config, community)  # refuses an unknown id, naming the network's
    guild_id = own.community.guild_id
    if not guild_id.isdigit():
        print("Set community.guild_id in the config to your Discord server's id first (see the README).",
              file=sys.stderr)
        return 2
    try:
        members = await fetch_members(token, int(guild_id))
    except discord.LoginFailure:
        print("Discord refused the token: copy it again from the Developer Portal into DISCORD_TOKEN.", file=sys.stderr)
        return 1
    except discord.Forbidden:
        print("Discord refused the member list: turn on the Server Members Intent (Developer Portal → Bot) "
              "and check that the bot is on the server.", file=sys.stderr)
        return 1
    except discord.NotFound:
        print(f"The bot is not on the server {guild_id}: invite it first (see the README).", file=sys.stderr)
        return 1
    except (TimeoutError, aiohttp.ClientError, OSError):
        print("Discord cannot be reached: check the network connection, then try again.", file=sys.stderr)
        return 1
    network = await Engine.open(config, db_path, SystemClock(), _LaterDelivery(), guild_id=guild_id)
    engine = network.for_guild(guild_id) or network
    engine.ctx.platforms.append(FetchedServer(members))

    async def show(done: int, total: int) -> None:
        print(engine.ctx.t(None, "setup.progress", done=done, total=total), flush=True)

    token_var = setup.adoption_progress.set(show)
    try:
        result = await setup.adopt_server(engine.ctx, None, charter)
    finally:
        setup.adoption_progress.reset(token_var)
        await network.close()  # the whole runtime (one database for every community)
    key = "setup.adopted_send" if charter == "send" else "setup.adopted"
    text = engine.ctx.t(None, key, count=result.adopted)
    if result.already:
        text += " " + engine.ctx.t(None, "setup.adopted_already", count=result.already)
    print(text)
    return 0
