"""/setup check|adopt: installing the bot on the server (animators; the engine checks who may)."""
from __future__ import annotations

import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.services import setup as setup_service
from cogs.base import bot_of, describe, run_command

log = logging.getLogger(__name__)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SetupCog(commands.GroupCog, group_name="setup", group_description=describe(
        "install the bot on this server (animators)", key="discord.group.setup")):
    """What the bot may do here, and the members who were here before it."""

    @app_commands.command(name="check", description=describe(
        "check every channel and role the bot uses", command="setup check"))
    async def setup_check(self, interaction: discord.Interaction) -> None:
        await run_command(interaction, "setup check")

    @app_commands.command(name="adopt", description=describe(
        "make every current member a member, without welcome", command="setup adopt"))
    @app_commands.describe(charter=describe("accepted: counted as accepted; send: sent to everyone",
                                            key="discord.option.charter"))
    async def setup_adopt(
        self, interaction: discord.Interaction, charter: Literal["accepted", "send"] | None = None,
    ) -> None:
        """A large server takes a while: the answer shows the progress, then the result."""
        words = bot_of(interaction).engine.ctx
        locale = str(interaction.locale.value) if interaction.locale else None
        await interaction.response.defer(ephemeral=True, thinking=True)

        async def show(done: int, total: int) -> None:
            """Progress is a courtesy: an edit that fails never stops the adoption."""
            try:
                await interaction.edit_original_response(
                    content=words.t(locale, "setup.progress", done=done, total=total))
            except Exception:  # noqa: BLE001
                log.info("could not show the adoption's progress", exc_info=True)

        token = setup_service.adoption_progress.set(show)
        try:
            await run_command(interaction, "setup adopt", {"charter": charter})
        finally:
            setup_service.adoption_progress.reset(token)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(SetupCog())
