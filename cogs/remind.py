"""/remind add|list|remove: announcements scheduled by animators."""
from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.services.reminders import MAX_TEXT
from cogs.base import describe, option_descriptions, run_command


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class RemindCog(commands.GroupCog, group_name="remind", group_description=describe(
        "scheduled announcements", key="discord.group.remind")):
    """One-off or recurring announcements; the engine validates the date or cron."""

    @app_commands.command(name="add", description=describe("schedule an announcement", command="remind add"))
    @app_commands.describe(**option_descriptions("when", "text", "channel"))
    async def remind_add(
        self, interaction: discord.Interaction, when: app_commands.Range[str, 1, 100],
        text: app_commands.Range[str, 1, MAX_TEXT], channel: discord.TextChannel | discord.Thread | None = None,
    ) -> None:
        """The channel goes by id: it survives a rename, and names with emoji (`📢-annonces`) need no typing."""
        await run_command(interaction, "remind add",
                          {"when": when, "text": text, "channel": str(channel.id) if channel else None})

    @app_commands.command(name="list", description=describe("scheduled announcements", command="remind list"))
    async def remind_list(self, interaction: discord.Interaction) -> None:
        await run_command(interaction, "remind list")

    @app_commands.command(name="remove", description=describe("delete an announcement", command="remind remove"))
    @app_commands.describe(**option_descriptions("id"))
    async def remind_remove(
        self, interaction: discord.Interaction, id: app_commands.Range[int, 1, 2**53],  # noqa: A002
    ) -> None:
        await run_command(interaction, "remind remove", {"id": id})


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(RemindCog())
