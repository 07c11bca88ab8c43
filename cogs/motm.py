"""/motm nominate|vote|open|close: the member of the month poll. Who may open or close: the engine says."""
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

    @app_commands.command(name="open", description=describe("open this month's poll (animators)", command="motm open"))
    async def motm_open(self, interaction: discord.Interaction) -> None:
        await run_command(interaction, "motm open")

    @app_commands.command(name="close", description=describe(
        "close this month's poll (animators)", command="motm close"))
    async def motm_close(self, interaction: discord.Interaction) -> None:
        await run_command(interaction, "motm close")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(MotmCog())
