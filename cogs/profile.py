"""/profile set|show|export|delete: parse → one engine call → the reply."""
from __future__ import annotations

from typing import Literal
from zoneinfo import available_timezones

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.profiles import LIST_MAX
from bot.services.profiles import MAX_BIO
from cogs.base import describe, member_ref, option_descriptions, run_command
from cogs.forms import open_bio_form

TIMEZONES = sorted(available_timezones())


@app_commands.guild_only()
class ProfileCog(commands.GroupCog, group_name="profile", group_description=describe(
        "your profile: skills, needs, availability", key="discord.group.profile")):
    """Members describe what they offer and need."""

    @app_commands.command(name="set", description=describe("update your profile", command="profile set"))
    @app_commands.describe(**option_descriptions(
        "skills", "needs", "languages", "bio", "timezone", "quiet_hours", "available", "godparent", "nudges",
        "visible", "language", "add_skills", "remove_skills", "add_needs", "remove_needs", "network"))
    async def profile_set(
        self, interaction: discord.Interaction,
        skills: app_commands.Range[str, 0, LIST_MAX] | None = None,
        needs: app_commands.Range[str, 0, LIST_MAX] | None = None,
        languages: app_commands.Range[str, 0, 200] | None = None,
        bio: app_commands.Range[str, 0, MAX_BIO] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        quiet_hours: app_commands.Range[str, 1, 20] | None = None,
        available: bool | None = None, godparent: bool | None = None,
        nudges: bool | None = None, visible: bool | None = None, language: Literal["fr", "en"] | None = None,
        add_skills: app_commands.Range[str, 1, LIST_MAX] | None = None,
        remove_skills: app_commands.Range[str, 1, LIST_MAX] | None = None,
        add_needs: app_commands.Range[str, 1, LIST_MAX] | None = None,
        remove_needs: app_commands.Range[str, 1, LIST_MAX] | None = None,
        network: bool | None = None,
    ) -> None:
        given = (skills, needs, languages, bio, timezone, quiet_hours, available, godparent, nudges, visible, language,
                 add_skills, remove_skills, add_needs, remove_needs, network)
        if all(value is None for value in given):  # nothing to set: the bio form (cogs/forms.py)
            await open_bio_form(interaction)
            return
        await run_command(interaction, "profile set", {
            "skills": skills, "needs": needs, "languages": languages, "bio": bio, "timezone": timezone,
            "quiet_hours": quiet_hours, "available": available, "godparent": godparent, "nudges": nudges,
            "visible": visible, "language": language, "add_skills": add_skills, "remove_skills": remove_skills,
            "add_needs": add_needs, "remove_needs": remove_needs, "network": network,
        })

    @profile_set.autocomplete("timezone")
    async def timezone_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        needle = current.lower().replace(" ", "_")
        found = [tz for tz in TIMEZONES if needle in tz.lower()][:25]
        return [app_commands.Choice(name=tz, value=tz) for tz in found]

    @app_commands.command(name="show", description=describe("show a profile", command="profile show"))
    @app_commands.describe(**option_descriptions("member"))
    async def profile_show(self, interaction: discord.Interaction, member: discord.Member | None = None) -> None:
        await run_command(interaction, "profile show", {"member": await member_ref(interaction, member)})

    @app_commands.command(name="export", description=describe(
        "receive by DM all the data kept about you", command="profile export"))
    async def profile_export(self, interaction: discord.Interaction) -> None:
        await run_command(interaction, "profile export")

    @app_commands.command(name="delete", description=describe(
        "erase your personal data", command="profile delete"))
    @app_commands.describe(**option_descriptions("confirm"))
    async def profile_delete(self, interaction: discord.Interaction, confirm: bool) -> None:
        await run_command(interaction, "profile delete", {"confirm": confirm})


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(ProfileCog())
