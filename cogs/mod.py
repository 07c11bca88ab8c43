"""/mod …: animator tools. `default_permissions` only hides them by default; the engine checks who may."""
from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.moderation import REASON_MAX
from cogs.base import describe, member_ref, option_descriptions, run_command

Reason = app_commands.Range[str, 1, REASON_MAX]
SkillName = app_commands.Range[str, 1, 100]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ModCog(commands.GroupCog, group_name="mod", group_description=describe(
        "moderation tools for animators", key="discord.group.mod")):
    """Warnings, timeouts, notes, status, godparents, requests and nudges; all audited by the engine."""

    @app_commands.command(name="warn", description=describe("warn a member by DM", command="mod warn"))
    @app_commands.describe(**option_descriptions("member", "reason"))
    async def mod_warn(self, interaction: discord.Interaction, member: discord.Member, reason: Reason) -> None:
        await run_command(interaction, "mod warn", {"member": await member_ref(interaction, member), "reason": reason})

    @app_commands.command(name="timeout", description=describe("time a member out", command="mod timeout"))
    @app_commands.describe(**option_descriptions("member", "minutes", "reason"))
    async def mod_timeout(
        self, interaction: discord.Interaction, member: discord.Member,
        minutes: app_commands.Range[int, 1, 40320], reason: Reason | None = None,
    ) -> None:
        await run_command(interaction, "mod timeout", {
            "member": await member_ref(interaction, member), "minutes": minutes, "reason": reason})

    @app_commands.command(name="note", description=describe("a private note for animators", command="mod note"))
    @app_commands.describe(**option_descriptions("member", "text"))
    async def mod_note(
        self, interaction: discord.Interaction, member: discord.Member, text: app_commands.Range[str, 1, REASON_MAX],
    ) -> None:
        await run_command(interaction, "mod note", {"member": await member_ref(interaction, member), "text": text})

    @app_commands.command(name="history", description=describe("a member's moderation history", command="mod history"))
    @app_commands.describe(**option_descriptions("member"))
    async def mod_history(self, interaction: discord.Interaction, member: discord.Member) -> None:
        await run_command(interaction, "mod history", {"member": await member_ref(interaction, member)})

    @app_commands.command(name="status", description=describe(
        "mark a member active or inactive", command="mod status"))
    @app_commands.describe(**option_descriptions("member", "active", "reason"))
    async def mod_status(
        self, interaction: discord.Interaction, member: discord.Member, active: bool, reason: Reason | None = None,
    ) -> None:
        await run_command(interaction, "mod status", {
            "member": await member_ref(interaction, member), "active": active, "reason": reason})

    @app_commands.command(name="godparent", description=describe(
        "assign a godparent to a newcomer", command="mod godparent"))
    @app_commands.describe(**option_descriptions("newcomer", "godparent"))
    async def mod_godparent(
        self, interaction: discord.Interaction, newcomer: discord.Member, godparent: discord.Member,
    ) -> None:
        await run_command(interaction, "mod godparent", {
            "newcomer": await member_ref(interaction, newcomer), "godparent": await member_ref(interaction, godparent)})

    @app_commands.command(name="close-request", description=describe(
        "close any request (spam, duplicate)", command="mod close-request"))
    @app_commands.describe(**option_descriptions("id", "reason"))
    async def mod_close_request(
        self, interaction: discord.Interaction, id: app_commands.Range[int, 1, 2**53], reason: Reason,  # noqa: A002
    ) -> None:
        await run_command(interaction, "mod close-request", {"id": id, "reason": reason})

    @app_commands.command(name="nudges", description=describe(
        "pause or resume every automatic nudge", command="mod nudges"))
    @app_commands.describe(**option_descriptions("paused"))
    async def mod_nudges(self, interaction: discord.Interaction, paused: bool) -> None:
        await run_command(interaction, "mod nudges", {"paused": paused})

    skill = app_commands.Group(name="skill", description=describe(
        "tidy the community's skills", key="discord.group.mod_skill"))

    @skill.command(name="merge", description=describe("merge two skills into one", command="mod skill merge"))
    @app_commands.describe(**option_descriptions("skill", "into"))
    async def mod_skill_merge(self, interaction: discord.Interaction, skill: SkillName, into: SkillName) -> None:
        await run_command(interaction, "mod skill merge", {"skill": skill, "into": into})

    @skill.command(name="rename", description=describe("fix a skill's spelling", command="mod skill rename"))
    @app_commands.describe(**option_descriptions("skill", "to"))
    async def mod_skill_rename(self, interaction: discord.Interaction, skill: SkillName, to: SkillName) -> None:
        await run_command(interaction, "mod skill rename", {"skill": skill, "to": to})

    @skill.command(name="remove", description=describe(
        "remove a skill from every profile and request", command="mod skill remove"))
    @app_commands.describe(**option_descriptions("skill"))
    async def mod_skill_remove(self, interaction: discord.Interaction, skill: SkillName) -> None:
        await run_command(interaction, "mod skill remove", {"skill": skill})


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(ModCog())
