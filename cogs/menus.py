"""Context menus (right-click a member or a message → Apps): thank, view a profile, report a message.

Each runs the same engine command as its slash or text form (`thanks`, `profile show`, `report`), so
the rules, limits and audit stay in bot/services. A report sends the message's link, never its words:
the bot has no Message Content intent and keeps nothing of what was written.
"""
from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from cogs.base import describe, member_ref, run_command

# Default names are English; the translator gives the French ones from `discord.menu.*`.
THANK = describe("Thank", key="discord.menu.thank")
VIEW_PROFILE = describe("View profile", key="discord.menu.view_profile")
REPORT = describe("Report to animators", key="discord.menu.report")


@app_commands.guild_only()
async def thank_member(interaction: discord.Interaction, member: discord.Member) -> None:
    """Public thanks, as `/thanks member:` without a reason."""
    await run_command(interaction, "thanks", {"member": await member_ref(interaction, member)})


@app_commands.guild_only()
async def view_profile(interaction: discord.Interaction, member: discord.Member) -> None:
    """The profile as the viewer may see it (a hidden one only to its owner and animators), ephemeral."""
    await run_command(interaction, "profile show", {"member": await member_ref(interaction, member)})


def reported_author(message: discord.Message) -> discord.abc.User | None:
    """The author the report names: a person, not a bot nor a webhook (they have no member row)."""
    if message.webhook_id is not None or message.author.bot:
        return None
    return message.author


@app_commands.guild_only()
async def report_message(interaction: discord.Interaction, message: discord.Message) -> None:
    """The link and the reporter to the animators; the message's content is neither read nor kept."""
    author = reported_author(message)
    await run_command(interaction, "report", {
        "message": message.jump_url, "member": await member_ref(interaction, author)})


def context_menus() -> list[app_commands.ContextMenu]:
    """The three menus, guild-only like every command of the community."""
    return [
        app_commands.ContextMenu(name=THANK, callback=thank_member),
        app_commands.ContextMenu(name=VIEW_PROFILE, callback=view_profile),
        app_commands.ContextMenu(name=REPORT, callback=report_message),
    ]


async def setup(bot: commands.Bot) -> None:
    for menu in context_menus():
        bot.tree.add_command(menu)
