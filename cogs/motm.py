"""/motm nominate|vote|status for everyone, /motm-admin open|close for animators: the member of the month.

`/motm-admin` is its own group so Discord can hide it from members (it cannot hide one subcommand);
who may open or close is still the engine's check."""
from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from cogs.base import describe, option_descriptions, run_command

# A name picked from the suggestions (cogs/choices.py: eligible members, the poll's nominees) carries
# the member's platform id; a name typed by hand is looked up by the engine like any `member` option.
Nominee = app_commands.Range[str, 1, 100]


@app_commands.guild_only()
class MotmCog(commands.GroupCog, group_name="motm", group_description=describe(
        "the member of the month", key="discord.group.motm")):
    """Nominate and vote; animators open or close the poll by hand."""

    @app_commands.command(name="nominate", description=describe(
        "nominate a member of the month", command="motm nominate"))
    @app_commands.describe(**option_descriptions("member"))
    async def motm_nominate(self, interaction: discord.Interaction, member: Nominee) -> None:
        await run_command(interaction, "motm nominate", {"member": member})

    @app_commands.command(name="vote", description=describe("vote in the open poll", command="motm vote"))
    @app_commands.describe(**option_descriptions("member"))
    async def motm_vote(self, interaction: discord.Interaction, member: Nominee) -> None:
        await run_command(interaction, "motm vote", {"member": member})

    @app_commands.command(name="status", description=describe("where the poll stands", command="motm status"))
    async def motm_status(self, interaction: discord.Interaction) -> None:
        await run_command(interaction, "motm status")


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class MotmAdminCog(commands.GroupCog, group_name="motm-admin", group_description=describe(
        "the member of the month poll, for animators", key="discord.group.motm_admin")):
    """Animators open or close the poll by hand (the engine's `motm open|close`)."""

    @app_commands.command(name="open", description=describe("open this month's poll (animators)", command="motm open"))
    async def motm_open(self, interaction: discord.Interaction) -> None:
        await run_command(interaction, "motm open")

    @app_commands.command(name="close", description=describe(
        "close this month's poll (animators)", command="motm close"))
    async def motm_close(self, interaction: discord.Interaction) -> None:
        await run_command(interaction, "motm close")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(MotmCog())
    await bot.add_cog(MotmAdminCog())
