"""/dashboard (animators): the private, one-time link to the web dashboard (always ephemeral)."""
from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from cogs.base import describe, run_command


class DashboardCog(commands.Cog):
    @app_commands.command(name="dashboard", description=describe(
        "a private link to the web dashboard, valid 15 minutes (animators)", command="dashboard"))
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def dashboard(self, interaction: discord.Interaction) -> None:
        await run_command(interaction, "dashboard")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(DashboardCog())
