"""/proposal new|list|show|support|withdraw|vote for everyone, /proposal-admin close for animators.

The animators' group is its own so Discord can hide it from members; the engine still checks who may."""
from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.services.proposals import CHOICES, MAX_DETAILS, MAX_TITLE
from cogs.base import describe, option_descriptions, run_command

ID = app_commands.Range[int, 1, 2**53]


@app_commands.guild_only()
class ProposalCog(commands.GroupCog, group_name="proposal", group_description=describe(
        "proposals put to the community", key="discord.group.proposal")):
    """Propose, support, vote in secret; animators put a proposal to the vote or close it."""

    @app_commands.command(name="new", description=describe("propose a project", command="proposal new"))
    @app_commands.describe(**option_descriptions("title", "details", "needs"))
    async def proposal_new(self, interaction: discord.Interaction, title: app_commands.Range[str, 1, MAX_TITLE],
                           details: app_commands.Range[str, 1, MAX_DETAILS] | None = None,
                           needs: app_commands.Range[str, 1, 300] | None = None) -> None:
        await run_command(interaction, "proposal new", {"title": title, "details": details, "needs": needs})

    @app_commands.command(name="list", description=describe("proposals", command="proposal list"))
    async def proposal_list(self, interaction: discord.Interaction) -> None:
        await run_command(interaction, "proposal list")

    @app_commands.command(name="show", description=describe("one proposal", command="proposal show"))
    @app_commands.describe(**option_descriptions("id"))
    async def proposal_show(self, interaction: discord.Interaction, id: ID) -> None:  # noqa: A002
        await run_command(interaction, "proposal show", {"id": id})

    @app_commands.command(name="support", description=describe("support a proposal", command="proposal support"))
    @app_commands.describe(**option_descriptions("id"))
    async def proposal_support(self, interaction: discord.Interaction, id: ID) -> None:  # noqa: A002
        await run_command(interaction, "proposal support", {"id": id})

    @app_commands.command(name="withdraw", description=describe(
        "withdraw your proposal", command="proposal withdraw"))
    @app_commands.describe(**option_descriptions("id"))
    async def proposal_withdraw(self, interaction: discord.Interaction, id: ID) -> None:  # noqa: A002
        await run_command(interaction, "proposal withdraw", {"id": id})

    @app_commands.command(name="vote", description=describe("vote in secret", command="proposal vote"))
    @app_commands.describe(**option_descriptions("id", "choice"))
    @app_commands.choices(choice=[app_commands.Choice(name=describe(c, key=f"proposals.choice.{c}"), value=c)
                                  for c in CHOICES])  # « Pour », « Contre », « Abstention » in French
    async def proposal_vote(self, interaction: discord.Interaction, id: ID, choice: str) -> None:  # noqa: A002
        await run_command(interaction, "proposal vote", {"id": id, "choice": choice})


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ProposalAdminCog(commands.GroupCog, group_name="proposal-admin", group_description=describe(
        "put proposals to the vote (animators)", key="discord.group.proposal_admin")):
    """Animators put a proposal to the vote, or close its vote (the engine's `proposal close`)."""

    @app_commands.command(name="close", description=describe(
        "put to the vote, or close the vote (animators)", command="proposal close"))
    @app_commands.describe(**option_descriptions("id"))
    async def proposal_close(self, interaction: discord.Interaction, id: ID) -> None:  # noqa: A002
        await run_command(interaction, "proposal close", {"id": id})


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(ProposalCog())
    await bot.add_cog(ProposalAdminCog())
