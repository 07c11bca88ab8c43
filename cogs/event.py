"""/event list|show|join|leave for everyone, /event-admin new|edit|cancel|attended for animators.

The animators' group is its own so Discord can hide it from members; the engine still checks who may."""
from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.services.event_input import KINDS, MAX_DESCRIPTION, MAX_PLACE, MAX_TITLE
from cogs.base import describe, option_descriptions, run_command

# Shown in the member's language (« séance d'information », « permanence bénévole »): cogs/translator.py
KIND_CHOICES = [app_commands.Choice(name=describe(kind, key=f"events.kind.{kind}"), value=kind) for kind in KINDS]
EVENT_OPTIONS = ("when", "end", "place", "kind", "languages", "capacity", "slots", "repeat", "description",
                 "network", "skills")
ID = app_commands.Range[int, 1, 2**53]


@app_commands.guild_only()
class EventCog(commands.GroupCog, group_name="event", group_description=describe(
        "gatherings, sessions and volunteer shifts", key="discord.group.event")):
    """Members sign up with `/event join` or the post's button (the bot counts only its own sign-ups)."""

    @app_commands.command(name="list", description=describe("upcoming events", command="event list"))
    @app_commands.describe(**option_descriptions("network"))
    async def event_list(self, interaction: discord.Interaction, network: bool | None = None) -> None:
        await run_command(interaction, "event list", {"network": network})

    @app_commands.command(name="show", description=describe("one event", command="event show"))
    @app_commands.describe(**option_descriptions("id"))
    async def event_show(self, interaction: discord.Interaction, id: ID) -> None:  # noqa: A002
        await run_command(interaction, "event show", {"id": id})

    @app_commands.command(name="join", description=describe("sign up for an event", command="event join"))
    @app_commands.describe(**option_descriptions("id", "slot"))
    async def event_join(self, interaction: discord.Interaction, id: ID,  # noqa: A002
                         slot: app_commands.Range[str, 1, 40] | None = None) -> None:
        await run_command(interaction, "event join", {"id": id, "slot": slot})

    @app_commands.command(name="leave", description=describe("withdraw from an event", command="event leave"))
    @app_commands.describe(**option_descriptions("id"))
    async def event_leave(self, interaction: discord.Interaction, id: ID) -> None:  # noqa: A002
        await run_command(interaction, "event leave", {"id": id})


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class EventAdminCog(commands.GroupCog, group_name="event-admin", group_description=describe(
        "create and run events (animators)", key="discord.group.event_admin")):
    """Animators create, change, cancel events and record who came (the engine's `event new|edit|…`)."""

    @app_commands.command(name="new", description=describe("create an event (animators)", command="event new"))
    @app_commands.describe(**option_descriptions("title", *EVENT_OPTIONS))
    @app_commands.choices(kind=KIND_CHOICES)
    async def event_new(
        self, interaction: discord.Interaction, title: app_commands.Range[str, 1, MAX_TITLE],
        when: app_commands.Range[str, 1, 100], end: app_commands.Range[str, 1, 100] | None = None,
        place: app_commands.Range[str, 1, MAX_PLACE] | None = None, kind: str | None = None,
        languages: app_commands.Range[str, 1, 100] | None = None,
        capacity: app_commands.Range[int, 1, 10000] | None = None,
        slots: app_commands.Range[str, 1, 300] | None = None, repeat: app_commands.Range[str, 1, 100] | None = None,
        description: app_commands.Range[str, 1, MAX_DESCRIPTION] | None = None, network: bool | None = None,
        skills: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        await run_command(interaction, "event new", {
            "title": title, "when": when, "end": end, "place": place, "kind": kind, "languages": languages,
            "capacity": capacity, "slots": slots, "repeat": repeat, "description": description,
            "network": network, "skills": skills}, public_hint=True)

    @app_commands.command(name="edit", description=describe("change an event (animators)", command="event edit"))
    @app_commands.describe(**option_descriptions("id", "title", *EVENT_OPTIONS))
    @app_commands.choices(kind=KIND_CHOICES)
    async def event_edit(
        self, interaction: discord.Interaction, id: ID,  # noqa: A002
        title: app_commands.Range[str, 1, MAX_TITLE] | None = None,
        when: app_commands.Range[str, 1, 100] | None = None, end: app_commands.Range[str, 1, 100] | None = None,
        place: app_commands.Range[str, 1, MAX_PLACE] | None = None, kind: str | None = None,
        languages: app_commands.Range[str, 1, 100] | None = None,
        capacity: app_commands.Range[int, 1, 10000] | None = None,
        slots: app_commands.Range[str, 1, 300] | None = None, repeat: app_commands.Range[str, 1, 100] | None = None,
        description: app_commands.Range[str, 1, MAX_DESCRIPTION] | None = None, network: bool | None = None,
        skills: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        await run_command(interaction, "event edit", {
            "id": id, "title": title, "when": when, "end": end, "place": place, "kind": kind,
            "languages": languages, "capacity": capacity, "slots": slots, "repeat": repeat,
            "description": description, "network": network, "skills": skills})

    @app_commands.command(name="cancel", description=describe("cancel an event (animators)", command="event cancel"))
    @app_commands.describe(**option_descriptions("id", "series"))
    async def event_cancel(self, interaction: discord.Interaction, id: ID,  # noqa: A002
                           series: bool | None = None) -> None:
        await run_command(interaction, "event cancel", {"id": id, "series": series})

    @app_commands.command(name="attended", description=describe(
        "record who came (animators)", command="event attended"))
    @app_commands.describe(**option_descriptions("id", "members"))
    async def event_attended(self, interaction: discord.Interaction, id: ID,  # noqa: A002
                             members: app_commands.Range[str, 1, 2000]) -> None:
        await run_command(interaction, "event attended", {"id": id, "members": members})


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(EventCog())
    await bot.add_cog(EventAdminCog())
