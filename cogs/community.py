"""The top-level commands: /directory, /skills, /thanks, /report, /charter, /help, /vitality."""
from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.services.vitality import MAX_DAYS
from cogs.base import describe, member_ref, option_descriptions, run_command


class CommunityCog(commands.Cog):
    """Everyday commands without a group."""

    @app_commands.command(name="directory", description=describe(
        "members who offer a skill", command="directory"))
    @app_commands.guild_only()
    @app_commands.describe(**option_descriptions("skill", "network"))
    async def directory(self, interaction: discord.Interaction, skill: app_commands.Range[str, 1, 100],
                        network: bool | None = None) -> None:
        await run_command(interaction, "directory", {"skill": skill, "network": network})

    @app_commands.command(name="skills", description=describe("every known skill", command="skills"))
    @app_commands.guild_only()
    async def skills(self, interaction: discord.Interaction) -> None:
        await run_command(interaction, "skills")

    @app_commands.command(name="thanks", description=describe("thank a member publicly", command="thanks"))
    @app_commands.guild_only()
    @app_commands.describe(**option_descriptions("member", "reason"))
    async def thanks(
        self, interaction: discord.Interaction, member: discord.Member,
        reason: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        await run_command(interaction, "thanks", {"member": await member_ref(interaction, member), "reason": reason})

    @app_commands.command(name="report", description=describe(
        "report a message to the animators", command="report"))
    @app_commands.guild_only()
    @app_commands.describe(**option_descriptions("message", "member"))
    async def report(
        self, interaction: discord.Interaction, message: app_commands.Range[str, 1, 300],
        member: discord.Member | None = None,
    ) -> None:
        """The slash form of the message menu "Report to animators" (cogs/menus.py): a link, pasted."""
        await run_command(interaction, "report", {"message": message, "member": await member_ref(interaction, member)})

    @app_commands.command(name="charter", description=describe("the community charter", command="charter"))
    @app_commands.guild_only()
    async def charter(self, interaction: discord.Interaction) -> None:
        await run_command(interaction, "charter")

    @app_commands.command(name="help", description=describe("what you can do here", command="help"))
    @app_commands.guild_only()
    @app_commands.describe(**option_descriptions("command"))
    async def help(
        self, interaction: discord.Interaction, command: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        await run_command(interaction, "help", {"command": command})

    @app_commands.command(name="vitality", description=describe(
        "community indicators, with a chart (animators)", command="vitality"))
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(**option_descriptions("days", "network"))
    async def vitality(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, MAX_DAYS] | None = None,
        network: bool | None = None,
    ) -> None:
        await run_command(interaction, "vitality", {"days": days, "network": network})


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(CommunityCog())
