"""/request new|list|claim|resolve|cancel: parse → one engine call → the reply."""
from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.services.requests import MAX_DETAILS, MAX_TITLE
from cogs.base import describe, member_ref, option_descriptions, run_command
from cogs.forms import open_request_form

RequestId = app_commands.Range[int, 1, 2**53]


@app_commands.guild_only()
class RequestCog(commands.GroupCog, group_name="request", group_description=describe(
        "ask for help, or help someone", key="discord.group.request")):
    """Help requests, routed to the members who have the skills."""

    @app_commands.command(name="new", description=describe("ask the community for help", command="request new"))
    @app_commands.describe(**option_descriptions("title", "details", "skills", "urgent"))
    async def request_new(
        self, interaction: discord.Interaction, title: app_commands.Range[str, 1, MAX_TITLE] | None = None,
        skills: app_commands.Range[str, 1, 500] | None = None,
        details: app_commands.Range[str, 0, MAX_DETAILS] | None = None, urgent: bool | None = None,
    ) -> None:
        """Without a title or skills: the form (cogs/forms.py), holding what was already given."""
        if title is None or skills is None:
            await open_request_form(interaction, title=title, skills=skills, details=details, urgent=urgent)
            return
        await run_command(interaction, "request new",
                          {"title": title, "details": details, "skills": skills, "urgent": urgent})

    @app_commands.command(name="list", description=describe("open requests", command="request list"))
    @app_commands.describe(**option_descriptions("skill", "mine"))
    async def request_list(
        self, interaction: discord.Interaction, skill: app_commands.Range[str, 1, 100] | None = None,
        mine: bool | None = None,
    ) -> None:
        await run_command(interaction, "request list", {"skill": skill, "mine": mine})

    @app_commands.command(name="claim", description=describe("take a request as its helper", command="request claim"))
    @app_commands.describe(**option_descriptions("id"))
    async def request_claim(self, interaction: discord.Interaction, id: RequestId) -> None:  # noqa: A002
        await run_command(interaction, "request claim", {"id": id})

    @app_commands.command(name="resolve", description=describe("mark a request resolved", command="request resolve"))
    @app_commands.describe(**option_descriptions("id", "thanks"))
    async def request_resolve(
        self, interaction: discord.Interaction, id: RequestId,  # noqa: A002
        thanks: discord.Member | None = None,
    ) -> None:
        await run_command(interaction, "request resolve", {"id": id, "thanks": await member_ref(interaction, thanks)})

    @app_commands.command(name="cancel", description=describe("cancel your request", command="request cancel"))
    @app_commands.describe(**option_descriptions("id"))
    async def request_cancel(self, interaction: discord.Interaction, id: RequestId) -> None:  # noqa: A002
        await run_command(interaction, "request cancel", {"id": id})

    @app_commands.command(name="widen", description=describe(
        "offer your request to the other communities of the network", command="request widen"))
    @app_commands.describe(**option_descriptions("id"))
    async def request_widen(self, interaction: discord.Interaction, id: RequestId) -> None:  # noqa: A002
        await run_command(interaction, "request widen", {"id": id})


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(RequestCog())
