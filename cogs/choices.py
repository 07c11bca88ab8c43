"""Autocomplete on the slash options: thin callbacks over bot/services/suggestions.py.

Loaded after the other cogs, it attaches one callback per (command, option) of `AUTOCOMPLETE` to the
commands already in the tree, so the cogs keep only their option declarations. What is suggested is
decided by the service; what is accepted is still decided by the engine when the command runs.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import discord
from discord import app_commands
from discord.ext import commands

from bot.services import suggestions
from cogs.base import foreign_guild, server_engine

log = logging.getLogger(__name__)
Suggest = Callable[[discord.Interaction, str], Awaitable[list[suggestions.Suggestion]]]


def _ctx(interaction: discord.Interaction):  # noqa: ANN202
    return server_engine(interaction).ctx


async def _skill(interaction: discord.Interaction, current: str) -> list[suggestions.Suggestion]:
    return await suggestions.skills(_ctx(interaction), current)


async def _skill_list(interaction: discord.Interaction, current: str) -> list[suggestions.Suggestion]:
    return await suggestions.skill_list(_ctx(interaction), current)


def _requests(purpose: str) -> Suggest:
    async def suggest(interaction: discord.Interaction, current: str) -> list[suggestions.Suggestion]:
        return await suggestions.requests(_ctx(interaction), str(interaction.user.id), current, purpose)
    return suggest


async def _reminders(interaction: discord.Interaction, current: str) -> list[suggestions.Suggestion]:
    return await suggestions.reminders(_ctx(interaction), str(interaction.user.id), current)


def _nominees(purpose: str) -> Suggest:
    async def suggest(interaction: discord.Interaction, current: str) -> list[suggestions.Suggestion]:
        return await suggestions.nominees(_ctx(interaction), str(interaction.user.id), current, purpose)
    return suggest


SKILL_LISTS = ("skills", "needs", "add_skills", "remove_skills", "add_needs", "remove_needs")
AUTOCOMPLETE: dict[tuple[str, str], Suggest] = {
    ("directory", "skill"): _skill,
    ("request list", "skill"): _skill,
    ("mod skill merge", "skill"): _skill,
    ("mod skill merge", "into"): _skill,
    ("mod skill rename", "skill"): _skill,
    ("mod skill remove", "skill"): _skill,
    ("request new", "skills"): _skill_list,
    ("proposal new", "needs"): _skill_list,
    ("event new", "skills"): _skill_list,
    ("event edit", "skills"): _skill_list,
    **{("profile set", option): _skill_list for option in SKILL_LISTS},
    ("request claim", "id"): _requests("claim"),
    ("request resolve", "id"): _requests("resolve"),
    ("request cancel", "id"): _requests("cancel"),
    ("request widen", "id"): _requests("widen"),
    ("mod close-request", "id"): _requests("close"),
    ("remind remove", "id"): _reminders,
    ("motm nominate", "member"): _nominees("nominate"),
    ("motm vote", "member"): _nominees("vote"),
}


def callback(suggest: Suggest) -> Callable[[discord.Interaction, str], Awaitable[list[app_commands.Choice]]]:
    """Discord's side of one suggestion list: nothing for another server; an error is an empty list
    (a failing suggestion must never block typing the value by hand)."""
    async def autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice]:
        if foreign_guild(interaction):
            return []
        try:
            found = await suggest(interaction, str(current or ""))
        except Exception:
            log.exception("autocomplete failed")
            return []
        return [app_commands.Choice(name=s.name, value=s.value) for s in found[:suggestions.MAX_CHOICES]]
    return autocomplete


def attach(tree: app_commands.CommandTree) -> int:
    """Give each listed option its autocomplete; the options the tree does not have are skipped."""
    attached = 0
    for command in tree.walk_commands():
        if not isinstance(command, app_commands.Command):
            continue
        params = {p.name for p in command.parameters}
        for (name, option), suggest in AUTOCOMPLETE.items():
            if name == command.qualified_name and option in params:
                command.autocomplete(option)(callback(suggest))
                attached += 1
    return attached


async def setup(bot: commands.Bot) -> None:
    attach(bot.tree)
